using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Goodbye, PT 203 (RFC 3550 §6.6): reader and writer.</summary>
public readonly ref struct RtcpBye
{
    private RtcpBye(ReadOnlySpan<byte> body, int count, ReadOnlySpan<byte> reason)
    {
        Body = body;
        SourceCount = count;
        Reason = reason;
    }

    /// <summary>Body after the common header.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Number of SSRC/CSRC identifiers.</summary>
    public int SourceCount { get; }

    /// <summary>Optional reason for leaving (UTF-8), empty when absent.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    /// <summary>Identifier <paramref name="index"/> (0-based, below <see cref="SourceCount"/>).</summary>
    public uint GetSource(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SourceCount);
        return BinaryPrimitives.ReadUInt32BigEndian(Body[(4 * index)..]);
    }

    /// <summary>Interprets <paramref name="packet"/> as BYE.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpBye bye)
    {
        bye = default;
        if (packet.PacketType != RtcpPacketType.Bye)
        {
            return RtcpReadResult.WrongType;
        }

        var body = packet.Body;
        var sources = 4 * packet.Count;
        if (body.Length < sources)
        {
            return RtcpReadResult.Truncated;
        }

        var reason = ReadOnlySpan<byte>.Empty;
        if (body.Length > sources)
        {
            var length = body[sources];
            if (sources + 1 + length > body.Length)
            {
                return RtcpReadResult.Truncated;
            }

            reason = body.Slice(sources + 1, length);
        }

        bye = new RtcpBye(body, packet.Count, reason);
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a BYE for up to 31 sources with an optional reason (at most 255 bytes).</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<uint> sources, ReadOnlySpan<byte> reason, out int written)
    {
        written = 0;
        var reasonLength = reason.IsEmpty ? 0 : (1 + reason.Length + 3) & ~3;
        var body = (4 * sources.Length) + reasonLength;
        if (sources.Length > 31 || reason.Length > 255 || destination.Length < RtcpPacket.HeaderLength + body)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, sources.Length, RtcpPacketType.Bye, body);
        var position = RtcpPacket.HeaderLength;
        foreach (var source in sources)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], source);
            position += 4;
        }

        if (!reason.IsEmpty)
        {
            destination[position] = (byte)reason.Length;
            reason.CopyTo(destination[(position + 1)..]);
            destination[(position + 1 + reason.Length)..(position + reasonLength)].Clear();
        }

        written = RtcpPacket.HeaderLength + body;
        return true;
    }
}
