namespace RtcStack.Client;

/// <summary>Reports a change of <see cref="SignalingClient.State"/>.</summary>
public sealed class ConnectionStateChangedEventArgs(ConnectionState previous, ConnectionState current) : EventArgs
{
    /// <summary>The state before the change.</summary>
    public ConnectionState Previous { get; } = previous;

    /// <summary>The state now.</summary>
    public ConnectionState Current { get; } = current;
}
