namespace RtcStack.Sctp;

/// <summary>Outcome of <see cref="DataChannel.Send(string)"/>.</summary>
public enum DataChannelSendResult
{
    Queued,
    NotOpen,
    TooLarge,
}
