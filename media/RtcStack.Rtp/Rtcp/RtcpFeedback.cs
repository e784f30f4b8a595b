using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>The common part of feedback messages, PT 205/206 (RFC 4585 §6.1): sender SSRC, media SSRC, FCI.</summary>
public readonly ref struct RtcpFeedback
{
    /// <summary>Header (4) + sender SSRC (4) + media SSRC (4).</summary>
    public const int FixedLength = 12;

    private RtcpFeedback(RtcpPacket packet)
    {
        PacketType = packet.PacketType;
        Format = packet.Format;
        SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Body);
        MediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Body[4..]);
        Fci = packet.Body[8..];
    }

    /// <summary>205 or 206.</summary>
    public RtcpPacketType PacketType { get; }

    /// <summary>FMT.</summary>
    public int Format { get; }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>SSRC of the media source the feedback is about.</summary>
    public uint MediaSsrc { get; }

    /// <summary>Feedback control information.</summary>
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>Reads a feedback packet of <paramref name="type"/> with FMT <paramref name="format"/>.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, RtcpPacketType type, int format, out RtcpFeedback feedback)
    {
        feedback = default;
        if (packet.PacketType != type || packet.Format != format)
        {
            return RtcpReadResult.WrongType;
        }

        if (packet.Body.Length < 8)
        {
            return RtcpReadResult.Truncated;
        }

        feedback = new RtcpFeedback(packet);
        return RtcpReadResult.Ok;
    }

    internal static bool TryWriteHeader(Span<byte> destination, RtcpPacketType type, int format, uint senderSsrc, uint mediaSsrc, int fciLength)
    {
        if (destination.Length < FixedLength + fciLength || fciLength % 4 != 0)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, format, type, 8 + fciLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        return true;
    }
}
