namespace RtcStack.Turn.Transport;

/// <summary>What <see cref="TcpRelay.TryBeginConnect"/> decided.</summary>
internal enum ConnectStart
{
    Started,
    AlreadyExists,
    Full,
}
