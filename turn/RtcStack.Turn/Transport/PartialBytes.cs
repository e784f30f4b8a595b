using System.Buffers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The tail a stream connection keeps between two reads (a partial frame or TLS record), in a pooled buffer rented only
/// while there is one, so an idle connection holds none. Used by one thread at a time (the poller thread reading it).
/// </summary>
internal struct PartialBytes
{
    private byte[]? _array;
    private int _length;

    /// <summary>Copies the kept bytes to the front of <paramref name="buffer"/>, releases them, returns how many.</summary>
    internal int MoveTo(byte[] buffer)
    {
        int length = _length;
        if (_array is { } array)
        {
            array.AsSpan(0, length).CopyTo(buffer);
            Release();
        }
        return length;
    }

    /// <summary>Keeps a copy of <paramref name="tail"/> (nothing when it is empty).</summary>
    internal void Keep(ReadOnlySpan<byte> tail)
    {
        if (!tail.IsEmpty)
        {
            byte[] array = ArrayPool<byte>.Shared.Rent(tail.Length);
            tail.CopyTo(array);
            _array = array;
            _length = tail.Length;
        }
    }

    /// <summary>The kept bytes (valid until the next call).</summary>
    internal readonly ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    internal void Release()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        _length = 0;
    }
}
