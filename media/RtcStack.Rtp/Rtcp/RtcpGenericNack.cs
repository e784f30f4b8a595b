using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Generic NACK (RFC 4585 §6.2.1): FCI entries of PID (lost packet) and BLP (16 following packets).</summary>
public readonly ref struct RtcpGenericNack
{
    private RtcpGenericNack(RtcpFeedback feedback)
    {
        SenderSsrc = feedback.SenderSsrc;
        MediaSsrc = feedback.MediaSsrc;
        Fci = feedback.Fci;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>SSRC of the media source that lost packets.</summary>
    public uint MediaSsrc { get; }

    /// <summary>The raw FCI.</summary>
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>Number of PID/BLP entries.</summary>
    public int EntryCount => Fci.Length / 4;

    /// <summary>Interprets <paramref name="packet"/> as a generic NACK.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpGenericNack nack)
    {
        nack = default;
        var result = RtcpFeedback.TryRead(packet, RtcpPacketType.TransportFeedback, (int)RtpFeedbackFormat.GenericNack, out var feedback);
        if (result != RtcpReadResult.Ok)
        {
            return result;
        }

        nack = new RtcpGenericNack(feedback);
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes the lost sequence numbers into <paramref name="destination"/>; returns how many were written.</summary>
    public int GetLostSequenceNumbers(Span<ushort> destination)
    {
        var count = 0;
        for (var i = 0; i + 4 <= Fci.Length; i += 4)
        {
            var pid = BinaryPrimitives.ReadUInt16BigEndian(Fci[i..]);
            var blp = BinaryPrimitives.ReadUInt16BigEndian(Fci[(i + 2)..]);
            if (count == destination.Length)
            {
                return count;
            }

            destination[count++] = pid;
            for (var bit = 0; bit < 16; bit++)
            {
                if ((blp & (1 << bit)) == 0)
                {
                    continue;
                }

                if (count == destination.Length)
                {
                    return count;
                }

                destination[count++] = (ushort)(pid + bit + 1);
            }
        }

        return count;
    }

    /// <summary>
    /// Writes a generic NACK for <paramref name="lost"/>, given in sending order (ascending modulo 2^16);
    /// consecutive numbers within 16 of a PID share its BLP.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost, out int written)
    {
        written = 0;
        var entries = CountEntries(lost);
        if (entries == 0 || !RtcpFeedback.TryWriteHeader(destination, RtcpPacketType.TransportFeedback, (int)RtpFeedbackFormat.GenericNack, senderSsrc, mediaSsrc, 4 * entries))
        {
            return false;
        }

        var position = RtcpFeedback.FixedLength;
        var i = 0;
        while (i < lost.Length)
        {
            var pid = lost[i++];
            ushort blp = 0;
            while (i < lost.Length && (ushort)(lost[i] - pid) is >= 1 and <= 16)
            {
                blp |= (ushort)(1 << ((ushort)(lost[i] - pid) - 1));
                i++;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], blp);
            position += 4;
        }

        written = position;
        return true;
    }

    private static int CountEntries(ReadOnlySpan<ushort> lost)
    {
        var entries = 0;
        var i = 0;
        while (i < lost.Length)
        {
            var pid = lost[i++];
            while (i < lost.Length && (ushort)(lost[i] - pid) is >= 1 and <= 16)
            {
                i++;
            }

            entries++;
        }

        return entries;
    }
}
