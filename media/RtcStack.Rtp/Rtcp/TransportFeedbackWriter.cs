using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>
/// Builds transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) from arrival times.
/// Allocates nothing: symbols are staged on the stack.
/// </summary>
public static class TransportFeedbackWriter
{
    /// <summary>Most packets one feedback message reports on; the rest go into the next message.</summary>
    public const int MaxPacketsPerMessage = 2048;

    private const int MaxRunLength = 0x1FFF;

    /// <summary>
    /// Writes feedback for packets <paramref name="baseSequenceNumber"/> + i, where <paramref name="arrivalMicroseconds"/>[i]
    /// is the arrival time on the receiver's clock or a negative value when the packet was not received. The first
    /// element must be a received packet. Stops early (see <paramref name="packetsWritten"/>) when a receive delta does
    /// not fit 16 bits or after <see cref="MaxPacketsPerMessage"/>; report the rest in another message.
    /// </summary>
    public static bool TryWrite(
        Span<byte> destination,
        uint senderSsrc,
        uint mediaSsrc,
        ushort baseSequenceNumber,
        byte feedbackPacketCount,
        ReadOnlySpan<long> arrivalMicroseconds,
        out int written,
        out int packetsWritten)
    {
        written = 0;
        packetsWritten = 0;
        if (arrivalMicroseconds.IsEmpty || arrivalMicroseconds[0] < 0)
        {
            return false;
        }

        var referenceTime = arrivalMicroseconds[0] / RtcpTransportFeedback.ReferenceTimeMicroseconds;
        Span<byte> symbols = stackalloc byte[Math.Min(arrivalMicroseconds.Length, MaxPacketsPerMessage)];
        var count = Classify(arrivalMicroseconds, referenceTime, symbols, out var deltaBytes);
        symbols = symbols[..count];
        var chunkBytes = 2 * CountChunks(symbols);
        var unpadded = RtcpFeedback.FixedLength + RtcpTransportFeedback.FixedFciLength + chunkBytes + deltaBytes;
        var total = (unpadded + 3) & ~3;
        if (destination.Length < total)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, (int)RtpFeedbackFormat.TransportWideCc, RtcpPacketType.TransportFeedback, total - RtcpPacket.HeaderLength, total != unpadded);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        var fci = destination[RtcpFeedback.FixedLength..];
        BinaryPrimitives.WriteUInt16BigEndian(fci, baseSequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(fci[2..], (ushort)count);
        var time = (int)(referenceTime & 0xFFFFFF);
        fci[4] = (byte)(time >> 16);
        fci[5] = (byte)(time >> 8);
        fci[6] = (byte)time;
        fci[7] = feedbackPacketCount;
        WriteChunks(symbols, fci[RtcpTransportFeedback.FixedFciLength..]);
        WriteDeltas(arrivalMicroseconds[..count], referenceTime, fci[(RtcpTransportFeedback.FixedFciLength + chunkBytes)..]);
        if (total != unpadded)
        {
            // RFC 3550 §6.4.1 padding: zeros, the last octet counts them.
            destination[unpadded..total].Clear();
            destination[total - 1] = (byte)(total - unpadded);
        }

        written = total;
        packetsWritten = count;
        return true;
    }

    private static long Tick(long microseconds) => microseconds / TransportFeedbackPacket.TickMicroseconds;

    private static int Classify(ReadOnlySpan<long> arrivals, long referenceTime, Span<byte> symbols, out int deltaBytes)
    {
        deltaBytes = 0;
        var previous = referenceTime * (RtcpTransportFeedback.ReferenceTimeMicroseconds / TransportFeedbackPacket.TickMicroseconds);
        for (var i = 0; i < symbols.Length; i++)
        {
            if (arrivals[i] < 0)
            {
                symbols[i] = (byte)TransportFeedbackStatus.NotReceived;
                continue;
            }

            var delta = Tick(arrivals[i]) - previous;
            if (delta is < short.MinValue or > short.MaxValue)
            {
                return i;
            }

            var symbol = delta is >= 0 and <= 255 ? TransportFeedbackStatus.ReceivedSmallDelta : TransportFeedbackStatus.ReceivedLargeDelta;
            symbols[i] = (byte)symbol;
            deltaBytes += (int)symbol;
            previous += delta;
        }

        return symbols.Length;
    }

    private static int CountChunks(ReadOnlySpan<byte> symbols)
    {
        var chunks = 0;
        for (var i = 0; i < symbols.Length; i += NextChunk(symbols[i..], out _))
        {
            chunks++;
        }

        return chunks;
    }

    private static void WriteChunks(ReadOnlySpan<byte> symbols, Span<byte> destination)
    {
        var position = 0;
        for (var i = 0; i < symbols.Length;)
        {
            var consumed = NextChunk(symbols[i..], out var chunk);
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], chunk);
            position += 2;
            i += consumed;
        }
    }

    /// <summary>Greedy choice: a run of 7+ equal symbols as run length, else a 14 one-bit or 7 two-bit vector.</summary>
    private static int NextChunk(ReadOnlySpan<byte> symbols, out ushort chunk)
    {
        var run = 1;
        while (run < symbols.Length && run < MaxRunLength && symbols[run] == symbols[0])
        {
            run++;
        }

        if (run >= 7 || run == symbols.Length)
        {
            chunk = (ushort)((symbols[0] << 13) | run);
            return run;
        }

        var oneBit = Math.Min(14, symbols.Length);
        if (!symbols[..oneBit].Contains((byte)TransportFeedbackStatus.ReceivedLargeDelta))
        {
            chunk = 0x8000;
            for (var s = 0; s < oneBit; s++)
            {
                chunk |= (ushort)(symbols[s] << (13 - s));
            }

            return oneBit;
        }

        var twoBit = Math.Min(7, symbols.Length);
        chunk = 0xC000;
        for (var s = 0; s < twoBit; s++)
        {
            chunk |= (ushort)(symbols[s] << (12 - (2 * s)));
        }

        return twoBit;
    }

    private static void WriteDeltas(ReadOnlySpan<long> arrivals, long referenceTime, Span<byte> destination)
    {
        var previous = referenceTime * (RtcpTransportFeedback.ReferenceTimeMicroseconds / TransportFeedbackPacket.TickMicroseconds);
        var position = 0;
        foreach (var arrival in arrivals)
        {
            if (arrival < 0)
            {
                continue;
            }

            var delta = Tick(arrival) - previous;
            previous += delta;
            if (delta is >= 0 and <= 255)
            {
                destination[position++] = (byte)delta;
            }
            else
            {
                BinaryPrimitives.WriteInt16BigEndian(destination[position..], (short)delta);
                position += 2;
            }
        }
    }
}
