using System.Buffers;

namespace RtcStack.Server.Engine;

/// <summary>
/// Frames written to one socket and not yet taken by the kernel, in one pooled buffer that is given back as soon as
/// everything went out (an idle socket holds nothing). Not thread-safe: the owner locks.
/// </summary>
internal sealed class OutboundBuffer
{
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public int Pending => _end - _start;

    /// <summary>Room for <paramref name="length"/> more bytes; call <see cref="Advance"/> after writing them.</summary>
    public Span<byte> GetSpan(int length)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        }
        else if (_end + length > _buffer.Length)
        {
            int live = _end - _start;
            byte[] target = live + length <= _buffer.Length / 2 ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(live + length, _buffer.Length * 2));
            _buffer.AsSpan(_start, live).CopyTo(target);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }
            _start = 0;
            _end = live;
        }
        return _buffer.AsSpan(_end, length);
    }

    public void Advance(int length) => _end += length;

    /// <summary>Copies the first pending bytes (at most <paramref name="destination"/>'s length) for a send elsewhere; returns the count.</summary>
    public int CopyPending(Span<byte> destination)
    {
        int count = Math.Min(Pending, destination.Length);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        return count;
    }

    /// <summary>The kernel took <paramref name="sent"/> of the pending bytes (sent elsewhere, e.g. by <see cref="SendRing"/>).</summary>
    public void Consume(int sent)
    {
        _start += Math.Min(sent, Pending);
        if (_start == _end)
        {
            Clear();
        }
    }

    /// <summary>Sends what the kernel takes; false when the socket failed.</summary>
    public bool Flush(int fd)
    {
        while (Pending > 0)
        {
            int sent = EpollNative.SendSome(fd, _buffer.AsSpan(_start, Pending));
            if (sent < 0)
            {
                return false;
            }
            if (sent == 0)
            {
                return true; // the kernel's buffer is full: the rest waits for EPOLLOUT
            }
            Consume(sent);
        }
        Clear(); // everything went out: the buffer goes back (already, if Consume emptied it)
        return true;
    }

    public void Clear()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _start = _end = 0;
    }
}
