using System.Text;

namespace RtcStack.Sdp;

/// <summary>
/// A session description (RFC 8866): the session-level lines and the media sections, in order.
/// Parse with <see cref="SdpParser.Parse(string)"/>; <see cref="ToString"/> writes it with CRLF endings.
/// </summary>
public sealed class SessionDescription
{
    /// <summary>Session-level lines (v=, o=, s=, t=, a=…), in order.</summary>
    public List<SdpLine> Lines { get; } = [];

    /// <summary>The media sections, in order.</summary>
    public List<MediaDescription> Media { get; } = [];

    /// <summary>The first session-level value of attribute <paramref name="name"/>, or null.</summary>
    public string? GetAttribute(string name) => SdpAttributes.First(Lines, name);

    /// <summary>Every session-level value of attribute <paramref name="name"/>.</summary>
    public IEnumerable<string> GetAttributes(string name) => SdpAttributes.All(Lines, name);

    /// <summary>Adds a session-level attribute line.</summary>
    public void AddAttribute(string name, string? value = null) => Lines.Add(SdpLine.Attribute(name, value));

    /// <summary>The mids of the <c>a=group:BUNDLE</c> line (RFC 9143), empty when there is none.</summary>
    public IReadOnlyList<string> BundleMids
    {
        get
        {
            foreach (var g in GetAttributes("group"))
            {
                var parts = g.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && parts[0] == "BUNDLE")
                {
                    return parts[1..];
                }
            }
            return [];
        }
    }

    /// <summary>True when the description has <c>a=ice-lite</c> at session level.</summary>
    public bool IceLite => GetAttribute("ice-lite") is not null;

    /// <summary>The ICE ufrag: media level of the first section that has one, else session level.</summary>
    public string? IceUfrag => Media.Select(m => m.IceUfrag).FirstOrDefault(u => u is not null) ?? GetAttribute("ice-ufrag");

    /// <summary>The ICE password, looked up like <see cref="IceUfrag"/>.</summary>
    public string? IcePwd => Media.Select(m => m.IcePwd).FirstOrDefault(u => u is not null) ?? GetAttribute("ice-pwd");

    /// <summary>The DTLS fingerprint: media level first, else session level; null when absent.</summary>
    public FingerprintAttribute? Fingerprint =>
        Media.Select(m => m.Fingerprint).FirstOrDefault(f => f is not null)
        ?? (FingerprintAttribute.TryParse(GetAttribute("fingerprint"), out var f) ? f : null);

    /// <summary>The setup role: media level first, else session level.</summary>
    public SetupRole Setup
    {
        get
        {
            var media = Media.Select(m => m.Setup).FirstOrDefault(s => s != SetupRole.None);
            return media != SetupRole.None ? media : SdpAttributes.ParseSetup(GetAttribute("setup"));
        }
    }

    /// <summary>Writes the description with CRLF line endings (RFC 8866 §5).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(2048);
        foreach (var line in Lines)
        {
            sb.Append(line.Type).Append('=').Append(line.Value).Append("\r\n");
        }
        foreach (var m in Media)
        {
            sb.Append("m=").Append(m.Media).Append(' ').Append(m.Port);
            if (m.PortCount is { } count)
            {
                sb.Append('/').Append(count);
            }
            sb.Append(' ').Append(m.Protocol);
            foreach (var f in m.Formats)
            {
                sb.Append(' ').Append(f);
            }
            sb.Append("\r\n");
            foreach (var line in m.Lines)
            {
                sb.Append(line.Type).Append('=').Append(line.Value).Append("\r\n");
            }
        }
        return sb.ToString();
    }
}
