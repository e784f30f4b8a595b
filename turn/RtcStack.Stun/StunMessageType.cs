namespace RtcStack.Stun;

/// <summary>
/// The 14-bit STUN message type: a method interleaved with a class (RFC 8489 §5, Figure 3).
/// </summary>
/// <param name="Method">The method (12 bits).</param>
/// <param name="Class">The class.</param>
public readonly record struct StunMessageType(StunMethod Method, StunClass Class)
{
    /// <summary>Binding request, the one message every STUN agent understands.</summary>
    public static StunMessageType BindingRequest => new(StunMethod.Binding, StunClass.Request);

    /// <summary>Binding success response.</summary>
    public static StunMessageType BindingSuccess => new(StunMethod.Binding, StunClass.SuccessResponse);

    /// <summary>Encodes the type as the 16-bit header field (top two bits zero).</summary>
    public ushort ToUInt16()
    {
        int m = (int)Method & 0x0FFF;
        int c = (int)Class & 0x3;
        int value = (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2)
            | ((c & 0x1) << 4) | ((c & 0x2) << 7);
        return (ushort)value;
    }

    /// <summary>Decodes the 16-bit header field; the top two bits are ignored.</summary>
    public static StunMessageType FromUInt16(ushort value)
    {
        int m = (value & 0x000F) | ((value >> 1) & 0x0070) | ((value >> 2) & 0x0F80);
        int c = ((value >> 4) & 0x1) | ((value >> 7) & 0x2);
        return new StunMessageType((StunMethod)m, (StunClass)c);
    }

    /// <summary>The same method with another class, e.g. the success response to a request.</summary>
    public StunMessageType WithClass(StunClass messageClass) => new(Method, messageClass);

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Class}";
}
