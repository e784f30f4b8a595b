namespace RtcStack.Stun;

/// <summary>Address family as encoded in STUN address attributes (RFC 8489 §14.1, RFC 8656 §18.6).</summary>
#pragma warning disable CA1028 // the wire field is 8 bits
public enum StunAddressFamily : byte
#pragma warning restore CA1028
{
    /// <summary>No address (a default <see cref="TransportAddress"/>).</summary>
    None = 0,

    /// <summary>IPv4, 0x01.</summary>
    IPv4 = 0x01,

    /// <summary>IPv6, 0x02.</summary>
    IPv6 = 0x02,
}
