using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>Carries one server message (an event or a relayed message) to a <see cref="SignalingClient"/> event.</summary>
public sealed class ServerMessageEventArgs(ServerMessage message) : EventArgs
{
    /// <summary>The message as received; <see cref="ServerMessage.Type"/> says which fields are set.</summary>
    public ServerMessage Message { get; } = message;
}
