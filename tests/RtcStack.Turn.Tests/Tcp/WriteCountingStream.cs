namespace RtcStack.Turn.Tests.Tcp;

/// <summary>A stream that keeps what is written to it and counts the writes; with <see cref="Failing"/> every write throws an IOException.</summary>
internal sealed class WriteCountingStream : Stream
{
    private readonly MemoryStream _written = new();

    internal bool Failing { get; init; }

    internal int Writes { get; private set; }

    internal byte[] Written => _written.ToArray();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Writes++;
        if (Failing)
        {
            return ValueTask.FromException(new IOException("the peer reset the connection"));
        }
        _written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _written.Dispose();
        }
        base.Dispose(disposing);
    }
}
