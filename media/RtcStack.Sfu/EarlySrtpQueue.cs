using System.Buffers;

namespace RtcStack.Sfu;

/// <summary>
/// SRTP/SRTCP datagrams that arrived while the DTLS handshake was still running (the peer, as DTLS client, may
/// send media as soon as it has our Finished, before our side has installed its keys). At most
/// <see cref="MaxPackets"/> datagrams and <see cref="MaxBytes"/> bytes are kept, copied into one pooled buffer
/// rented on the first early datagram; the rest are refused. Not thread-safe: the owner guards it with a lock.
/// </summary>
internal sealed class EarlySrtpQueue
{
    /// <summary>Most datagrams kept per transport.</summary>
    public const int MaxPackets = 16;

    /// <summary>Most bytes kept per transport (all kept datagrams together).</summary>
    public const int MaxBytes = 32 * 1024;

    private readonly Entry[] _entries = new Entry[MaxPackets];
    private byte[]? _buffer;
    private int _used;
    private int _queued;
    private int _refused;

    /// <summary>Datagrams held now.</summary>
    public int Count { get; private set; }

    /// <summary>Datagrams ever accepted.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Datagrams ever refused because the queue was full.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>True while the pooled buffer is rented.</summary>
    public bool HoldsBuffer => _buffer is not null;

    /// <summary>Copies <paramref name="datagram"/> in; false (counted as refused) when it does not fit the bounds.</summary>
    public bool TryAdd(bool rtcp, ReadOnlySpan<byte> datagram)
    {
        if (Count == MaxPackets || datagram.Length > MaxBytes - _used)
        {
            Interlocked.Increment(ref _refused);
            return false;
        }
        _buffer ??= ArrayPool<byte>.Shared.Rent(MaxBytes);
        datagram.CopyTo(_buffer.AsSpan(_used));
        _entries[Count++] = new Entry(_used, datagram.Length, rtcp);
        _used += datagram.Length;
        Interlocked.Increment(ref _queued);
        return true;
    }

    /// <summary>The datagram at <paramref name="index"/> (0 = oldest), writable in place.</summary>
    public Span<byte> Get(int index, out bool rtcp)
    {
        var e = _entries[index];
        rtcp = e.Rtcp;
        return _buffer.AsSpan(e.Offset, e.Length);
    }

    /// <summary>Forgets every held datagram and returns the buffer to the pool; the number forgotten.</summary>
    public int Clear()
    {
        var count = Count;
        Count = 0;
        _used = 0;
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return count;
    }

    private readonly record struct Entry(int Offset, int Length, bool Rtcp);
}
