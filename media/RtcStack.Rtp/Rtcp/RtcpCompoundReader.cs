namespace RtcStack.Rtp.Rtcp;

/// <summary>
/// Iterates the packets of a compound RTCP packet (RFC 3550 §6.1). Stops at the first malformed packet and
/// reports why in <see cref="Result"/>.
/// </summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads <paramref name="compound"/> (an unprotected RTCP datagram).</summary>
    public RtcpCompoundReader(ReadOnlySpan<byte> compound)
    {
        _data = compound;
        _position = 0;
        Result = compound.IsEmpty ? RtcpReadResult.TooShort : RtcpReadResult.Ok;
    }

    /// <summary><see cref="RtcpReadResult.Ok"/> while everything read so far is well formed.</summary>
    public RtcpReadResult Result { get; private set; }

    /// <summary>Reads the next packet; false at the end or on the first malformed packet.</summary>
    public bool TryReadNext(out RtcpPacket packet)
    {
        packet = default;
        if (Result != RtcpReadResult.Ok || _position >= _data.Length)
        {
            return false;
        }

        Result = RtcpPacket.TryRead(_data[_position..], out packet, out var length);
        if (Result != RtcpReadResult.Ok)
        {
            return false;
        }

        _position += length;
        return true;
    }
}
