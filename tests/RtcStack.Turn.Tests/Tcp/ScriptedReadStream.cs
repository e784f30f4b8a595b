namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A stream whose reads follow a script: a byte array is a read that completes at once with those bytes, null a read
/// that waits until the test ends it (<see cref="CompleteWith"/>, <see cref="CompleteEnd"/>, <see cref="Fail"/>),
/// writing into the reader's memory then, as SslStream's decrypt would. Past the script, reads return the end of stream.
/// </summary>
internal sealed class ScriptedReadStream(params byte[]?[] script) : Stream
{
    private readonly Queue<byte[]?> _script = new(script);
    private TaskCompletionSource<int>? _pending;
    private Memory<byte> _pendingInto;

    /// <summary>True while a scripted read waits.</summary>
    internal bool IsPending => _pending is { Task.IsCompleted: false };

    /// <summary>The reads started.</summary>
    internal int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reads++;
        if (!_script.TryDequeue(out byte[]? next))
        {
            return new ValueTask<int>(0);
        }
        if (next is not null)
        {
            next.CopyTo(buffer);
            return new ValueTask<int>(next.Length);
        }
        _pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingInto = buffer;
        return new ValueTask<int>(_pending.Task);
    }

    /// <summary>Ends the waiting read with <paramref name="data"/> written into the reader's memory.</summary>
    internal void CompleteWith(byte[] data)
    {
        data.CopyTo(_pendingInto);
        _pending!.SetResult(data.Length);
    }

    internal void CompleteEnd() => _pending!.SetResult(0);

    internal void Fail(Exception error) => _pending!.SetException(error);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
