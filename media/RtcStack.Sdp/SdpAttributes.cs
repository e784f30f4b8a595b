using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>Attribute look-ups shared by the session and media levels.</summary>
internal static class SdpAttributes
{
    public static string? First(List<SdpLine> lines, string name)
    {
        foreach (var line in lines)
        {
            if (line.Type == 'a' && Matches(line.Value, name))
            {
                return line.Value.Length == name.Length ? string.Empty : line.Value[(name.Length + 1)..];
            }
        }
        return null;
    }

    public static IEnumerable<string> All(List<SdpLine> lines, string name)
    {
        foreach (var line in lines)
        {
            if (line.Type == 'a' && Matches(line.Value, name))
            {
                yield return line.Value.Length == name.Length ? string.Empty : line.Value[(name.Length + 1)..];
            }
        }
    }

    public static MediaDirection? Direction(List<SdpLine> lines)
    {
        foreach (var line in lines)
        {
            if (line.Type != 'a')
            {
                continue;
            }
            switch (line.Value)
            {
                case "sendrecv": return MediaDirection.SendRecv;
                case "sendonly": return MediaDirection.SendOnly;
                case "recvonly": return MediaDirection.RecvOnly;
                case "inactive": return MediaDirection.Inactive;
            }
        }
        return null;
    }

    public static string ToSdp(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    public static SetupRole ParseSetup(string? value) => value switch
    {
        "active" => SetupRole.Active,
        "passive" => SetupRole.Passive,
        "actpass" => SetupRole.ActPass,
        _ => SetupRole.None,
    };

    public static string ToSdp(SetupRole role) => role switch
    {
        SetupRole.Active => "active",
        SetupRole.Passive => "passive",
        _ => "actpass",
    };

    public static int? ParseInt(string? s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static uint? ParseUInt(string? s) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static bool Matches(string value, string name) =>
        value.StartsWith(name, StringComparison.Ordinal) && (value.Length == name.Length || value[name.Length] == ':');
}
