using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The stream under a TLS client's SslStream. Writes: a synchronous write (only <see cref="StreamSender"/> makes one,
/// under its lock, after the handshake) is captured into a per-thread buffer, so the sender can encrypt a frame on the
/// calling thread and hand the ciphertext to a non-blocking send (SslStream has no non-blocking write of its own);
/// asynchronous writes (handshake, close_notify, the RFC 6062 data relay) go to the socket's stream. Reads: with a
/// <see cref="StreamPollReader"/>, synchronous reads serve the whole records the poller thread fed with <see cref="Feed"/>,
/// one record per read so the SslStream never holds more than the record it decrypts, and never block: when none is
/// left they set <see cref="Starved"/> and throw (only after a record that carried no data; one exception per thread);
/// asynchronous reads (the handshake) read the socket through the poller; once the connection became an RFC 6062 data
/// connection, they serve what the poller left unread, then read the socket's stream. Without a reader every read goes
/// to the socket's stream. Reads of the socket's stream and of what was left unread return at most one record each
/// (<see cref="TlsRecordCutter"/>), so data before a bad record is never lost with it. Allocation-free once the
/// calling thread's capture buffer has grown.
/// </summary>
internal sealed class TlsRecordCapture : Stream
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static IOException? t_noMoreRecords;

    private readonly Stream _inner;
    private readonly StreamPollReader? _reader;
    private byte[] _captured = [];
    private int _length;
    private int _capturingThread;
    private byte[]? _records;
    private int _recordsOffset;
    private int _recordsEnd;
    private int _recordLeft;
    private byte[]? _unread; // bytes read from the socket and not yet served (at most a record per read)
    private int _unreadOffset;
    private int _unreadEnd;
    private bool _unreadRented;
    private TlsRecordCutter _cutter;
    private bool _direct;

    internal TlsRecordCapture(Stream inner, StreamPollReader? reader = null)
    {
        _inner = inner;
        _reader = reader;
    }

    /// <summary>Whether the last synchronous read found no fed record left (and threw); reset by <see cref="Feed"/>.</summary>
    internal bool Starved { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The ciphertext captured since <see cref="Begin"/>; valid until the next capture on this thread.</summary>
    internal ReadOnlySpan<byte> Captured => _captured.AsSpan(0, _length);

    /// <summary>Whether fed records are left for the SslStream to read.</summary>
    internal bool HasRecords => _recordsOffset < _recordsEnd;

    /// <summary>Starts capturing synchronous writes into this thread's buffer (caller holds the sender's lock).</summary>
    internal void Begin()
    {
        _captured = t_buffer ??= new byte[32 * 1024];
        _length = 0;
        _capturingThread = Environment.CurrentManagedThreadId;
    }

    /// <summary>Stops capturing (<see cref="Captured"/> stays valid).</summary>
    internal void End() => _capturingThread = 0;

    /// <summary>On the poller thread: <paramref name="count"/> bytes of whole records at the start of <paramref name="cipher"/> are to be read.</summary>
    internal void Feed(byte[] cipher, int count)
    {
        _records = cipher;
        _recordsOffset = 0;
        _recordsEnd = count;
        _recordLeft = 0;
        Starved = false;
    }

    /// <summary>After the reads of one wake-up: the fed buffer belongs to the poller thread again.</summary>
    internal void EndFeed()
    {
        _records = null;
        _recordsOffset = _recordsEnd = 0;
    }

    /// <summary>
    /// The connection leaves the poller (RFC 6062 data connection): the fed records not read yet, then <paramref name="tail"/>
    /// (a partial record), are what later asynchronous reads return first.
    /// </summary>
    internal void KeepUnread(ReadOnlySpan<byte> tail)
    {
        int fed = _recordsEnd - _recordsOffset;
        byte[] unread = new byte[fed + tail.Length];
        _records.AsSpan(_recordsOffset, fed).CopyTo(unread);
        tail.CopyTo(unread.AsSpan(fed));
        (_unread, _unreadOffset, _unreadEnd, _unreadRented) = (unread.Length > 0 ? unread : null, 0, unread.Length, false);
        _recordsOffset = _recordsEnd;
        _direct = true; // the poller no longer reads this connection: later reads go to the socket's stream
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_capturingThread != Environment.CurrentManagedThreadId)
        {
            // Only a read could write here (renegotiation, post-handshake authentication): not supported, the connection closes.
            throw new IOException("TLS renegotiation is not supported");
        }
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

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_unread is not null)
        {
            return ValueTask.FromResult(ReadUnread(buffer.Span));
        }
        return _reader is { } reader && !_direct ? reader.ReadAsync(buffer, cancellationToken) : ReadRecordAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// A read of the socket's stream that returns at most up to the end of the first record ending in it (the rest is
    /// kept for the next reads): the SslStream then holds one record at a time, so a bad record fails only the read
    /// after the data of the records before it was returned (it decrypts every whole record it holds and throws at a
    /// bad one, losing the others).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadRecordAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        int taken = _cutter.Take(buffer.Span[..read]);
        if (taken < read)
        {
            byte[] rest = ArrayPool<byte>.Shared.Rent(read - taken);
            buffer.Span[taken..read].CopyTo(rest);
            (_unread, _unreadOffset, _unreadEnd, _unreadRented) = (rest, 0, read - taken, true);
        }
        return taken;
    }

    /// <summary>Serves kept bytes, at most up to the end of the first record ending in them.</summary>
    private int ReadUnread(Span<byte> buffer)
    {
        byte[] unread = _unread!;
        int n = _cutter.Take(unread.AsSpan(_unreadOffset, Math.Min(buffer.Length, _unreadEnd - _unreadOffset)));
        unread.AsSpan(_unreadOffset, n).CopyTo(buffer);
        _unreadOffset += n;
        if (_unreadOffset == _unreadEnd)
        {
            _unread = null;
            if (_unreadRented)
            {
                ArrayPool<byte>.Shared.Return(unread);
            }
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_reader is null)
        {
            return _inner.Read(buffer);
        }
        if (buffer.IsEmpty)
        {
            return 0; // the SslStream's "wait for data" before it reads a frame: the record is there
        }
        if (_recordLeft == 0)
        {
            if (_recordsEnd - _recordsOffset < 5)
            {
                // SslStream.Read has no "nothing now" result (0 is the end of stream): the poller thread catches this,
                // a per-thread instance that carries nothing and never escapes it.
                Starved = true;
                throw t_noMoreRecords ??= new IOException("no whole TLS record is buffered");
            }
            _recordLeft = 5 + BinaryPrimitives.ReadUInt16BigEndian(_records.AsSpan(_recordsOffset + 3));
        }
        int n = Math.Min(buffer.Length, _recordLeft);
        _records.AsSpan(_recordsOffset, n).CopyTo(buffer);
        _recordsOffset += n;
        _recordLeft -= n;
        return n;
    }

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
