namespace RtcStack.Turn.Transport;

/// <summary>
/// The stream under a TLS client's SslStream. Reads, asynchronous writes (handshake, close_notify, the RFC 6062 data
/// relay) and flushes go to the socket's stream; a synchronous write (only <see cref="StreamSender"/> makes one, under
/// its lock, after the handshake) is captured into a per-thread buffer instead, so the sender can encrypt a frame on the
/// calling thread and hand the ciphertext to a non-blocking send (SslStream has no non-blocking write of its own).
/// Allocation-free once the calling thread's buffer has grown to its largest burst.
/// </summary>
internal sealed class TlsRecordCapture : Stream
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    private readonly Stream _inner;
    private byte[] _captured = [];
    private int _length;

    internal TlsRecordCapture(Stream inner) => _inner = inner;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The ciphertext captured since <see cref="Begin"/>; valid until the next capture on this thread.</summary>
    internal ReadOnlySpan<byte> Captured => _captured.AsSpan(0, _length);

    /// <summary>Starts capturing synchronous writes into this thread's buffer (caller holds the sender's lock).</summary>
    internal void Begin()
    {
        _captured = t_buffer ??= new byte[32 * 1024];
        _length = 0;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_length + buffer.Length > _captured.Length)
        {
            byte[] larger = new byte[Math.Max(_captured.Length * 2, _length + buffer.Length)];
            _captured.AsSpan(0, _length).CopyTo(larger);
            _captured = t_buffer = larger;
        }
        buffer.CopyTo(_captured.AsSpan(_length));
        _length += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override void Flush()
    {
        // captured writes need no flush; the socket's stream has nothing to flush
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
