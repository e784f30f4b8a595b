namespace RtcStack.Stun;

/// <summary>The comprehension-required attributes this codec understands (RFC 8489 §14, RFC 8656 §18, RFC 6062, RFC 8445).</summary>
internal static class StunKnownAttributes
{
    public static bool IsKnown(StunAttributeType type) => type switch
    {
        StunAttributeType.MappedAddress or StunAttributeType.Username or StunAttributeType.MessageIntegrity
            or StunAttributeType.ErrorCode or StunAttributeType.UnknownAttributes or StunAttributeType.ChannelNumber
            or StunAttributeType.Lifetime or StunAttributeType.XorPeerAddress or StunAttributeType.Data
            or StunAttributeType.Realm or StunAttributeType.Nonce or StunAttributeType.XorRelayedAddress
            or StunAttributeType.RequestedAddressFamily or StunAttributeType.EvenPort
            or StunAttributeType.RequestedTransport or StunAttributeType.DontFragment
            or StunAttributeType.MessageIntegritySha256 or StunAttributeType.PasswordAlgorithm
            or StunAttributeType.UserHash or StunAttributeType.XorMappedAddress
            or StunAttributeType.ReservationToken or StunAttributeType.Priority
            or StunAttributeType.UseCandidate or StunAttributeType.ConnectionId => true,
        _ => (ushort)type >= 0x8000,
    };
}
