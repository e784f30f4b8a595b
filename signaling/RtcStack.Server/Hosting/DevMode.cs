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
        bool turnOn = !string.Equals(configuration["Turn:Enabled"], "false", StringComparison.OrdinalIgnoreCase);
        if (turnOn && configuration.GetSection("Signaling:TurnUrls").GetChildren().All(c => string.IsNullOrEmpty(c.Value)))
        {
            // Point browsers at the embedded TURN server (Turn:ListeningPort, default 3478).
            string port = configuration["Turn:ListeningPort"] ?? "3478";
            settings["Signaling:StunUrls:0"] = $"stun:127.0.0.1:{port}";
            settings["Signaling:TurnUrls:0"] = $"turn:127.0.0.1:{port}?transport=udp";
            settings["Signaling:TurnUrls:1"] = $"turn:127.0.0.1:{port}?transport=tcp";
        }
        return settings;
    }

    private static string Random(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
}
