namespace RtcStack.Sdp;

/// <summary>One <c>&lt;type&gt;=&lt;value&gt;</c> line of a session description (RFC 8866 §5).</summary>
/// <param name="Type">The one-letter type, for example <c>'a'</c>, <c>'c'</c> or <c>'b'</c>.</param>
/// <param name="Value">Everything after the '='.</param>
public readonly record struct SdpLine(char Type, string Value)
{
    /// <summary>Creates an attribute line <c>a=name:value</c> (or <c>a=name</c> when the value is null).</summary>
    public static SdpLine Attribute(string name, string? value = null) =>
        new('a', value is null ? name : name + ":" + value);

    /// <summary>For an <c>a=</c> line, the attribute name (before the first ':').</summary>
    public string AttributeName
    {
        get
        {
            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? Value : Value[..colon];
        }
    }

    /// <summary>For an <c>a=</c> line, the attribute value (after the first ':'), or null for a flag attribute.</summary>
    public string? AttributeValue
    {
        get
        {
            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : Value[(colon + 1)..];
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Type + "=" + Value;
}
