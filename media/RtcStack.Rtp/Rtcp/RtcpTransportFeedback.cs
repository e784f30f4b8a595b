using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>
/// Transport-wide congestion control feedback, RTPFB FMT 15 (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
/// base sequence number, status count, 24-bit reference time (64 ms units), feedback count, packet status chunks,
/// receive deltas. Reader here; writer in <see cref="TransportFeedbackWriter"/>.
/// </summary>
public readonly ref struct RtcpTransportFeedback
{
    internal const int FixedFciLength = 8;
    internal const int ReferenceTimeMicroseconds = 64_000;

    private RtcpTransportFeedback(RtcpFeedback feedback, int chunksLength)
    {
        SenderSsrc = feedback.SenderSsrc;
        MediaSsrc = feedback.MediaSsrc;
        Fci = feedback.Fci;
        ChunksLength = chunksLength;
        var time = (Fci[4] << 16) | (Fci[5] << 8) | Fci[6];
        ReferenceTime = (time & 0x800000) != 0 ? time - 0x1000000 : time;
    }

    /// <summary>SSRC of the feedback sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>SSRC of the media source.</summary>
    public uint MediaSsrc { get; }

    /// <summary>The raw FCI.</summary>
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>First transport-wide sequence number reported on.</summary>
    public ushort BaseSequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Fci);

    /// <summary>Number of packets reported on.</summary>
    public int PacketStatusCount => BinaryPrimitives.ReadUInt16BigEndian(Fci[2..]);

    /// <summary>Reference time, signed, in multiples of 64 ms.</summary>
    public int ReferenceTime { get; }

    /// <summary>Feedback packet count (wraps at 256).</summary>
    public byte FeedbackPacketCount => Fci[7];

    private int ChunksLength { get; }

    /// <summary>Interprets <paramref name="packet"/> as transport-wide CC feedback, validating chunks and deltas.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpTransportFeedback feedback)
    {
        feedback = default;
        var result = RtcpFeedback.TryRead(packet, RtcpPacketType.TransportFeedback, (int)RtpFeedbackFormat.TransportWideCc, out var common);
        if (result != RtcpReadResult.Ok)
        {
            return result;
        }

        var fci = common.Fci;
        if (fci.Length < FixedFciLength)
        {
            return RtcpReadResult.Truncated;
        }

        result = Validate(fci, out var chunksLength);
        if (result == RtcpReadResult.Ok)
        {
            feedback = new RtcpTransportFeedback(common, chunksLength);
        }

        return result;
    }

    /// <summary>Fills <paramref name="destination"/> with one entry per reported packet; returns how many were written.</summary>
    public int GetPackets(Span<TransportFeedbackPacket> destination)
    {
        var statusCount = PacketStatusCount;
        var deltas = Fci[(FixedFciLength + ChunksLength)..];
        var chunks = Fci.Slice(FixedFciLength, ChunksLength);
        var sequence = BaseSequenceNumber;
        var written = 0;
        var deltaPosition = 0;
        for (var c = 0; c + 2 <= chunks.Length && written < statusCount && written < destination.Length; c += 2)
        {
            var chunk = BinaryPrimitives.ReadUInt16BigEndian(chunks[c..]);
            var symbols = Math.Min(SymbolCount(chunk), statusCount - written);
            for (var s = 0; s < symbols && written < destination.Length; s++)
            {
                var status = (TransportFeedbackStatus)Symbol(chunk, s);
                var delta = 0;
                if (status == TransportFeedbackStatus.ReceivedSmallDelta)
                {
                    delta = deltas[deltaPosition++];
                }
                else if (status == TransportFeedbackStatus.ReceivedLargeDelta)
                {
                    delta = BinaryPrimitives.ReadInt16BigEndian(deltas[deltaPosition..]);
                    deltaPosition += 2;
                }

                destination[written++] = new TransportFeedbackPacket(sequence++, status, delta);
            }
        }

        return written;
    }

    private static RtcpReadResult Validate(ReadOnlySpan<byte> fci, out int chunksLength)
    {
        var statusCount = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        var position = FixedFciLength;
        var covered = 0;
        var deltaBytes = 0;
        while (covered < statusCount)
        {
            if (position + 2 > fci.Length)
            {
                chunksLength = 0;
                return RtcpReadResult.Truncated;
            }

            var chunk = BinaryPrimitives.ReadUInt16BigEndian(fci[position..]);
            position += 2;
            var symbols = Math.Min(SymbolCount(chunk), statusCount - covered);
            if ((chunk & 0x8000) == 0)
            {
                // Run length chunk: one symbol for the whole run.
                var runSymbol = Symbol(chunk, 0);
                if (runSymbol == 3 && symbols > 0)
                {
                    chunksLength = 0;
                    return RtcpReadResult.Malformed;
                }

                deltaBytes += runSymbol * symbols;
                covered += symbols;
                continue;
            }

            for (var s = 0; s < symbols; s++)
            {
                var symbol = Symbol(chunk, s);
                if (symbol == 3)
                {
                    chunksLength = 0;
                    return RtcpReadResult.Malformed;
                }

                deltaBytes += symbol;
            }

            covered += symbols;
        }

        chunksLength = position - FixedFciLength;
        return position + deltaBytes > fci.Length ? RtcpReadResult.Truncated : RtcpReadResult.Ok;
    }

    /// <summary>Symbols a chunk carries: run length (§3.1.3) or 14 one-bit / 7 two-bit symbols (§3.1.4).</summary>
    internal static int SymbolCount(ushort chunk)
        => (chunk & 0x8000) == 0 ? chunk & 0x1FFF : (chunk & 0x4000) == 0 ? 14 : 7;

    /// <summary>Symbol <paramref name="index"/> of a chunk; 2 bits, with one-bit symbols mapped to 0/1.</summary>
    internal static int Symbol(ushort chunk, int index)
    {
        if ((chunk & 0x8000) == 0)
        {
            return (chunk >> 13) & 0x03;
        }

        return (chunk & 0x4000) == 0
            ? (chunk >> (13 - index)) & 0x01
            : (chunk >> (12 - (2 * index))) & 0x03;
    }
}
