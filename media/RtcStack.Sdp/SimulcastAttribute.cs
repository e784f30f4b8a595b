namespace RtcStack.Sdp;

/// <summary>An <c>a=simulcast</c> value (RFC 8853 §5.1): the send and receive rid lists.</summary>
/// <param name="Send">Send streams; each entry lists alternatives, a leading '~' marks a paused stream.</param>
/// <param name="Receive">Receive streams, same form.</param>
public readonly record struct SimulcastAttribute(IReadOnlyList<string> Send, IReadOnlyList<string> Receive)
{
    /// <summary>Parses <c>send h;m;l</c>, <c>recv a;b</c> or <c>send h;m recv x</c>.</summary>
    public static bool TryParse(string? value, out SimulcastAttribute simulcast)
    {
        simulcast = default;
        var parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is null || parts.Length is not (2 or 4))
        {
            return false;
        }
        IReadOnlyList<string> send = [], recv = [];
        for (var i = 0; i < parts.Length; i += 2)
        {
            var list = parts[i + 1].Split(';', StringSplitOptions.RemoveEmptyEntries);
            if (list.Length == 0)
            {
                return false;
            }
            switch (parts[i])
            {
                case "send": send = list; break;
                case "recv": recv = list; break;
                default: return false;
            }
        }
        simulcast = new SimulcastAttribute(send, recv);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>(4);
        if (Send.Count > 0) { parts.Add("send " + string.Join(';', Send)); }
        if (Receive.Count > 0) { parts.Add("recv " + string.Join(';', Receive)); }
        return string.Join(' ', parts);
    }
}
