namespace RtcStack.Turn.Policy;

/// <summary>Outcome of <see cref="PeerAddressPolicy.Check(UInt128)"/>.</summary>
internal enum PeerAddressDecision
{
    /// <summary>No rule denies the peer.</summary>
    Allowed,

    /// <summary>An operator allow rule (allowed-peer-ip) matched.</summary>
    AllowedByRule,

    /// <summary>An operator deny rule (denied-peer-ip) matched.</summary>
    DeniedByRule,

    /// <summary>A built-in special-purpose range (loopback, RFC 1918, multicast, …) matched.</summary>
    DeniedByDefault,

    /// <summary>The peer is one of this server's own listening or relay addresses.</summary>
    DeniedOwnAddress,
}
