namespace RtcStack.Stun;

/// <summary>The class of a STUN message, bits C1 C0 of the message type (RFC 8489 §5).</summary>
public enum StunClass
{
    /// <summary>A request (0b00).</summary>
    Request = 0,

    /// <summary>An indication (0b01).</summary>
    Indication = 1,

    /// <summary>A success response (0b10).</summary>
    SuccessResponse = 2,

    /// <summary>An error response (0b11).</summary>
    ErrorResponse = 3,
}
