namespace RtcStack.Stun;

/// <summary>Password algorithms for long-term credentials (RFC 8489 §18.5).</summary>
#pragma warning disable CA1028 // the wire field is 16 bits
public enum StunPasswordAlgorithm : ushort
#pragma warning restore CA1028
{
    /// <summary>MD5, the key is MD5(username ":" realm ":" password), 16 bytes.</summary>
    Md5 = 0x0001,

    /// <summary>SHA-256, the key is SHA-256(username ":" realm ":" password), 32 bytes.</summary>
    Sha256 = 0x0002,
}
