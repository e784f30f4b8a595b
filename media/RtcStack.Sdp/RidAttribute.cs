namespace RtcStack.Sdp;

/// <summary>An <c>a=rid</c> value (RFC 8851 §4): identifier, direction and the raw restrictions.</summary>
/// <param name="Id">The rid, for example <c>h</c>.</param>
/// <param name="Direction"><c>send</c> or <c>recv</c>.</param>
/// <param name="Restrictions">Everything after the direction (pt=…;max-width=…), or null.</param>
public readonly record struct RidAttribute(string Id, string Direction, string? Restrictions)
{
    /// <summary>Parses <c>h send</c> or <c>h send pt=96;max-width=1280</c>.</summary>
    public static bool TryParse(string? value, out RidAttribute rid)
    {
        rid = default;
        var parts = value?.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts is null || parts.Length < 2 || parts[1] is not ("send" or "recv"))
        {
            return false;
        }
        rid = new RidAttribute(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Restrictions is null ? $"{Id} {Direction}" : $"{Id} {Direction} {Restrictions}";
}
