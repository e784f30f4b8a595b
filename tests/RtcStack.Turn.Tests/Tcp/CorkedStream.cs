namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A stream under a test client's SslStream that holds its writes while <see cref="Corked"/> and sends them in one
/// write at the <see cref="Flush"/> after, so records (and raw bytes written to it directly) reach the server in one
/// read. Reads go to the inner stream.
/// </summary>
internal sealed class CorkedStream(Stream inner) : Stream
{
    private readonly MemoryStream _held = new();

    internal bool Corked { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
        if (!Corked && _held.Length > 0)
        {
            inner.Write(_held.GetBuffer(), 0, (int)_held.Length);
            _held.SetLength(0);
        }
        inner.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (Corked)
        {
            _held.Write(buffer, offset, count);
        }
        else
        {
            inner.Write(buffer, offset, count);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.ToArray(), 0, buffer.Length);
        return ValueTask.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _held.Dispose();
        }
        base.Dispose(disposing);
    }
}
