using System.Globalization;
using Microsoft.Extensions.Options;
using RtcStack.Signaling;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Cli;

/// <summary>
/// <c>rtcstack token --sub alice --room demo [--room other] [--ttl 3600] [--perm publish] [--perm subscribe]</c>:
/// prints a token signed with <c>Signaling:TokenSecret</c> (from appsettings.json, the environment
/// <c>Signaling__TokenSecret</c>, or <c>--Signaling:TokenSecret=...</c>) and exits.
/// Without <c>--perm</c> the token gets publish and subscribe.
/// </summary>
internal static class TokenCommand
{
    public const string Usage = "usage: rtcstack token --sub <peer> --room <room|*> [--room ...] [--ttl <seconds>] [--perm publish|subscribe|admin ...]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? sub = null;
        var rooms = new List<string>();
        var perms = new List<string>();
        int ttl = 3600;
        var settings = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (arg)
            {
                case "--sub" when value is not null:
                    sub = value;
                    i++;
                    break;
                case "--room" when value is not null:
                    rooms.Add(value);
                    i++;
                    break;
                case "--perm" when value is not null:
                    perms.Add(value);
                    i++;
                    break;
                case "--ttl" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t > 0:
                    ttl = t;
                    i++;
                    break;
                default:
                    if (!arg.StartsWith("--", StringComparison.Ordinal) || !arg.Contains('=', StringComparison.Ordinal))
                    {
                        error.WriteLine(Usage);
                        return 2;
                    }
                    settings.Add(arg);
                    break;
            }
        }
        if (!SignalingProtocol.IsValidPeerId(sub) || rooms.Count == 0 || rooms.Any(r => r != "*" && !SignalingProtocol.IsValidRoom(r)))
        {
            error.WriteLine(Usage);
            return 2;
        }
        IConfiguration configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. settings])
            .Build();
        var options = new SignalingOptions();
        configuration.GetSection(SignalingOptions.SectionName).Bind(options);
        if (options.TokenSecret is not { Length: >= 32 })
        {
            error.WriteLine("rtcstack token: Signaling:TokenSecret must be set (at least 32 characters), e.g. Signaling__TokenSecret=...");
            return 2;
        }
        var tokens = new TokenService(Options.Create(options), TimeProvider.System);
        Permissions permissions = perms.Count == 0 ? Permissions.Publish | Permissions.Subscribe : TokenService.ParsePermissions(perms);
        output.WriteLine(tokens.Mint(sub, rooms, permissions, TimeSpan.FromSeconds(ttl)).Token);
        return 0;
    }
}
