namespace RtcStack.Sdp;

/// <summary>An <c>a=rtcp-fb</c> entry (RFC 4585 §4.2) for one payload type: type and optional parameter.</summary>
/// <param name="Type">For example <c>nack</c>, <c>ccm</c>, <c>transport-cc</c>, <c>goog-remb</c>.</param>
/// <param name="Parameter">For example <c>pli</c> or <c>fir</c>, or null.</param>
public readonly record struct RtcpFeedback(string Type, string? Parameter)
{
    /// <inheritdoc/>
    public override string ToString() => Parameter is null ? Type : Type + " " + Parameter;
}
