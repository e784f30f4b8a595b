namespace RtcStack.Turn.Transport;

/// <summary>
/// Where messages for one client go: a UDP listener socket plus the client's address, or one TCP/TLS
/// connection. Implementations never throw; a failed send is dropped (and the connection closed for streams).
/// </summary>
internal interface IClientSink
{
    /// <summary>True for TCP and TLS, where ChannelData is padded to 4 bytes (RFC 8656 §12.5).</summary>
    bool IsStream { get; }

    /// <summary>Sends one STUN message or ChannelData frame (already padded for streams).</summary>
    void Send(ReadOnlySpan<byte> message);
}
