namespace RtcStack.Server.Endpoints;

/// <summary>
/// The <c>Origin</c> check of the WebSocket upgrade: no header (native clients) passes; otherwise the origin
/// must match <c>Signaling:AllowedOrigins</c> (exact, or <c>scheme://host:*</c> for any port), or, when that list
/// is empty, be the server's own origin or http(s) on localhost, 127.0.0.1 or [::1].
/// </summary>
internal static class OriginPolicy
{
    public static bool IsAllowed(string? origin, string? requestHost, IList<string> allowed)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }
        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri))
        {
            return false;
        }
        if (allowed.Count == 0)
        {
            return uri.Host is "localhost" or "127.0.0.1" or "[::1]"
                || string.Equals(uri.Authority, requestHost, StringComparison.OrdinalIgnoreCase);
        }
        foreach (string pattern in allowed)
        {
            if (pattern == "*" || string.Equals(pattern.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (pattern.EndsWith(":*", StringComparison.Ordinal)
                && Uri.TryCreate(pattern[..^2], UriKind.Absolute, out Uri? p)
                && string.Equals(p.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(p.Host, uri.Host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
