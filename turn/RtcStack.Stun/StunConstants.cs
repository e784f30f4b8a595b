namespace RtcStack.Stun;

/// <summary>Fixed numbers of the STUN wire format (RFC 8489 §5, §14.7; RFC 8656 §12).</summary>
public static class StunConstants
{
    /// <summary>The magic cookie, 0x2112A442 (RFC 8489 §5).</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>Length of the STUN header in bytes (RFC 8489 §5).</summary>
    public const int HeaderLength = 20;

    /// <summary>Length of the transaction ID in bytes (RFC 8489 §5).</summary>
    public const int TransactionIdLength = 12;

    /// <summary>Length of an attribute header (type + length) in bytes (RFC 8489 §14).</summary>
    public const int AttributeHeaderLength = 4;

    /// <summary>Largest value of the message length field that is a multiple of 4.</summary>
    public const int MaxMessageBodyLength = 65532;

    /// <summary>Length of a MESSAGE-INTEGRITY value, an HMAC-SHA1 (RFC 8489 §14.5).</summary>
    public const int MessageIntegrityLength = 20;

    /// <summary>Full length of a MESSAGE-INTEGRITY-SHA256 value (RFC 8489 §14.6).</summary>
    public const int MessageIntegritySha256Length = 32;

    /// <summary>Shortest allowed truncated MESSAGE-INTEGRITY-SHA256 value (RFC 8489 §14.6).</summary>
    public const int MessageIntegritySha256MinLength = 16;

    /// <summary>Length of a FINGERPRINT value (RFC 8489 §14.7).</summary>
    public const int FingerprintLength = 4;

    /// <summary>Value XORed into the CRC-32 of FINGERPRINT, "STUN" in ASCII (RFC 8489 §14.7).</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Length of the ChannelData header (RFC 8656 §12.4).</summary>
    public const int ChannelDataHeaderLength = 4;

    /// <summary>Lowest channel number a client may bind (RFC 8656 §12).</summary>
    public const ushort MinChannelNumber = 0x4000;

    /// <summary>Highest channel number a client may bind (RFC 8656 §12).</summary>
    public const ushort MaxChannelNumber = 0x4FFF;
}
