using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>An <c>a=extmap</c> value (RFC 8285 §8): the local ID, optional direction and the URI.</summary>
/// <param name="Id">Extension ID 1–14 (one-byte) or 1–255 (two-byte).</param>
/// <param name="Uri">For example <c>urn:ietf:params:rtp-hdrext:sdes:mid</c>.</param>
/// <param name="Direction">Optional direction after a '/', or null.</param>
public readonly record struct ExtMapAttribute(int Id, string Uri, string? Direction = null)
{
    /// <summary>The <c>sdes:mid</c> extension URI (RFC 9143 §15).</summary>
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

    /// <summary>Parses <c>4 urn:…</c> or <c>4/sendonly urn:…</c>; extra attributes after the URI are ignored.</summary>
    public static bool TryParse(string? value, out ExtMapAttribute ext)
    {
        ext = default;
        if (value is null)
        {
            return false;
        }
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return false;
        }
        var idPart = parts[0];
        string? dir = null;
        var slash = idPart.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            dir = idPart[(slash + 1)..];
            idPart = idPart[..slash];
        }
        if (!int.TryParse(idPart, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id is < 1 or > 255)
        {
            return false;
        }
        ext = new ExtMapAttribute(id, parts[1], dir);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Id}{(Direction is null ? string.Empty : "/" + Direction)} {Uri}");
}
