namespace RtcStack.Rtp.Rtcp;

/// <summary>One packet's entry in transport-wide CC feedback.</summary>
/// <param name="SequenceNumber">Transport-wide sequence number.</param>
/// <param name="Status">Whether and how it was received.</param>
/// <param name="DeltaTicks">Receive delta from the previous received packet (or the reference time) in 250 µs ticks.</param>
public readonly record struct TransportFeedbackPacket(ushort SequenceNumber, TransportFeedbackStatus Status, int DeltaTicks)
{
    /// <summary>Size of one delta tick in microseconds.</summary>
    public const int TickMicroseconds = 250;

    /// <summary>The receive delta in microseconds.</summary>
    public long DeltaMicroseconds => (long)DeltaTicks * TickMicroseconds;
}
