using System.Security.Cryptography;

namespace RtcStack.Server.Hosting;

/// <summary>
/// <c>--dev</c>: tokens can be minted freely at <c>GET /api/dev-token</c>, and secrets that are not configured
/// are generated at random for this process (tokens then stop working at restart). Never for production.
/// </summary>
internal static class DevMode
{
    public static Dictionary<string, string?> Settings(IConfiguration configuration)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(configuration["Signaling:TokenSecret"]))
        {
            settings["Signaling:TokenSecret"] = Random(32);
        }
        if (string.IsNullOrEmpty(configuration["Turn:StaticAuthSecret"]))
        {
            settings["Turn:StaticAuthSecret"] = Random(24);
        }
        return settings;
    }

    private static string Random(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
}
