namespace RtcStack.Sdp;

/// <summary>The <c>a=setup</c> attribute (RFC 4145 §4, RFC 8842 §5): who starts DTLS.</summary>
public enum SetupRole
{
    /// <summary>No or unknown <c>a=setup</c>.</summary>
    None,
    /// <summary><c>active</c>: this side is the DTLS client.</summary>
    Active,
    /// <summary><c>passive</c>: this side is the DTLS server.</summary>
    Passive,
    /// <summary><c>actpass</c>: the offerer lets the answerer choose.</summary>
    ActPass,
}
