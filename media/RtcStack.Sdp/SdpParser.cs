using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>
/// Parses session descriptions (RFC 8866 §5). Accepts CRLF or LF endings, keeps every line (unknown ones
/// too) so <see cref="SessionDescription.ToString"/> writes the same text back. Never throws on bad input.
/// </summary>
public static class SdpParser
{
    /// <summary>Largest description accepted, in characters (a Chromium offer with simulcast is ~10 KB).</summary>
    public const int MaxLength = 256 * 1024;

    /// <summary>Most lines accepted.</summary>
    public const int MaxLines = 10_000;

    /// <summary>Parses <paramref name="text"/>; on success <paramref name="description"/> is set.</summary>
    public static SdpParseResult TryParse(string? text, out SessionDescription? description)
    {
        description = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return SdpParseResult.Empty;
        }
        if (text.Length > MaxLength)
        {
            return SdpParseResult.TooLarge;
        }
        var result = new SessionDescription();
        MediaDescription? current = null;
        var count = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0)
            {
                continue;
            }
            if (++count > MaxLines)
            {
                return SdpParseResult.TooLarge;
            }
            if (line.Length < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
            {
                return SdpParseResult.MalformedLine;
            }
            var type = line[0];
            var value = line[2..];
            if (count == 1 && (type != 'v' || value != "0"))
            {
                return SdpParseResult.BadVersion;
            }
            if (type == 'm')
            {
                if (!TryParseMediaLine(value, out current))
                {
                    return SdpParseResult.BadMediaLine;
                }
                result.Media.Add(current!);
            }
            else if (current is null)
            {
                result.Lines.Add(new SdpLine(type, value));
            }
            else
            {
                current.Lines.Add(new SdpLine(type, value));
            }
        }
        description = result;
        return SdpParseResult.Ok;
    }

    /// <summary>Parses the value of an <c>m=</c> line: <c>&lt;media&gt; &lt;port&gt;[/&lt;n&gt;] &lt;proto&gt; &lt;fmt&gt;…</c>.</summary>
    internal static bool TryParseMediaLine(string value, out MediaDescription? media)
    {
        media = null;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || parts[0].Length == 0)
        {
            return false;
        }
        var portText = parts[1];
        int? portCount = null;
        var slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!int.TryParse(portText.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            portCount = n;
            portText = portText[..slash];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }
        media = new MediaDescription(parts[0], port, parts[2], parts[3..]) { PortCount = portCount };
        return true;
    }
}
