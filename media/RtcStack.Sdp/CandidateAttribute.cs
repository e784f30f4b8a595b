using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>An <c>a=candidate</c> value (RFC 8839 §5.1).</summary>
public readonly record struct CandidateAttribute(
    string Foundation, int Component, string Transport, uint Priority, string Address, int Port, string Type, string? TcpType = null)
{
    /// <summary>Parses <c>1 1 udp 2130706431 127.0.0.1 50000 typ host [tcptype passive] …</c>.</summary>
    public static bool TryParse(string? value, out CandidateAttribute candidate)
    {
        candidate = default;
        var p = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (p is null || p.Length < 8 || p[6] != "typ"
            || !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var component)
            || !uint.TryParse(p[3], NumberStyles.None, CultureInfo.InvariantCulture, out var priority)
            || !int.TryParse(p[5], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }
        string? tcpType = null;
        for (var i = 8; i + 1 < p.Length; i += 2)
        {
            if (p[i] == "tcptype")
            {
                tcpType = p[i + 1];
            }
        }
        candidate = new CandidateAttribute(p[0], component, p[2], priority, p[4], port, p[7], tcpType);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Foundation} {Component} {Transport} {Priority} {Address} {Port} typ {Type}{(TcpType is null ? string.Empty : " tcptype " + TcpType)}");
}
