namespace RtcStack.Turn.Transport;

/// <summary>What <see cref="TcpRelayLoop"/> needs from the owner of a relayed data connection.</summary>
internal interface ITcpRelayEnds
{
    /// <summary>True once the owner closed (allocation deleted, bind lost): the loop lets go of the sockets.</summary>
    bool IsClosed { get; }

    /// <summary>Counts <paramref name="bytes"/> relayed towards the peer or towards the client.</summary>
    void Relayed(int bytes, bool toPeer);
}
