namespace RtcStack.Srtp;

/// <summary>
/// Sliding replay list (RFC 3711 §3.3.2) over the 48-bit SRTP index or the 31-bit SRTCP index: the highest index
/// received and a bitmap of the <see cref="Size"/> indices below it.
/// </summary>
internal struct SrtpReplayWindow
{
    /// <summary>Window size in packets (RFC 3711 asks for at least 64).</summary>
    public const int Size = 128;

    private ulong _highest;
    private UInt128 _bits;
    private bool _initialized;

    /// <summary>Highest index accepted so far.</summary>
    public readonly ulong Highest => _highest;

    /// <summary>False when <paramref name="index"/> was already accepted or is too old to tell.</summary>
    public readonly bool IsFresh(ulong index)
    {
        if (!_initialized || index > _highest)
        {
            return true;
        }

        var delta = _highest - index;
        return delta < Size && ((_bits >> (int)delta) & UInt128.One) == UInt128.Zero;
    }

    /// <summary>Records <paramref name="index"/> as received (call only after it authenticated).</summary>
    public void Accept(ulong index)
    {
        if (!_initialized)
        {
            _initialized = true;
            _highest = index;
            _bits = UInt128.One;
            return;
        }

        if (index > _highest)
        {
            var shift = index - _highest;
            _bits = shift >= Size ? UInt128.One : (_bits << (int)shift) | UInt128.One;
            _highest = index;
            return;
        }

        var delta = _highest - index;
        if (delta < Size)
        {
            _bits |= UInt128.One << (int)delta;
        }
    }
}
