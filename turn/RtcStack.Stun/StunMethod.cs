namespace RtcStack.Stun;

/// <summary>STUN methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1).</summary>
#pragma warning disable CA1028 // the wire field is 12 bits; ushort documents that
public enum StunMethod : ushort
#pragma warning restore CA1028
{
    /// <summary>Binding (RFC 8489).</summary>
    Binding = 0x001,

    /// <summary>Allocate (RFC 8656 §7).</summary>
    Allocate = 0x003,

    /// <summary>Refresh (RFC 8656 §8).</summary>
    Refresh = 0x004,

    /// <summary>Send, an indication (RFC 8656 §11).</summary>
    Send = 0x006,

    /// <summary>Data, an indication (RFC 8656 §11).</summary>
    Data = 0x007,

    /// <summary>CreatePermission (RFC 8656 §10).</summary>
    CreatePermission = 0x008,

    /// <summary>ChannelBind (RFC 8656 §12).</summary>
    ChannelBind = 0x009,

    /// <summary>Connect (RFC 6062 §4.3).</summary>
    Connect = 0x00A,

    /// <summary>ConnectionBind (RFC 6062 §4.4).</summary>
    ConnectionBind = 0x00B,

    /// <summary>ConnectionAttempt, an indication (RFC 6062 §4.5).</summary>
    ConnectionAttempt = 0x00C,
}
