using System.Buffers;
using System.Text;

namespace RtcStack.Server.Endpoints;

/// <summary>
/// Reads the HTTP/1.1 request head at the start of a connection and decides whether it is an RFC 6455 opening
/// handshake for <c>GET /ws</c> (query allowed) that <see cref="SignalingListener"/> answers itself. Anything it
/// does not fully understand is <see cref="WebSocketHeadStatus.NotSignaling"/> and goes to Kestrel unchanged,
/// which then answers as it always did (400 for a malformed head, the <c>/ws</c> endpoint for a plain GET).
/// Never throws on bad input.
/// </summary>
internal static class WebSocketRequestReader
{
    private static ReadOnlySpan<byte> Prefix => "GET /ws"u8;
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    private static ReadOnlySpan<byte> Http11 => " HTTP/1.1"u8;

    /// <summary>
    /// Looks at the bytes received so far. <see cref="WebSocketHeadStatus.Upgrade"/> here means "a complete
    /// <c>GET /ws</c> head of <paramref name="headLength"/> bytes, now <see cref="Read"/> it".
    /// </summary>
    public static WebSocketHeadStatus Peek(in ReadOnlySequence<byte> buffer, int maxHeadBytes, out long headLength)
    {
        headLength = 0;
        Span<byte> start = stackalloc byte[Prefix.Length + 1];
        int have = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, have).CopyTo(start);
        int compare = Math.Min(have, Prefix.Length);
        if (!start[..compare].SequenceEqual(Prefix[..compare]))
        {
            return WebSocketHeadStatus.NotSignaling;
        }
        if (have <= Prefix.Length)
        {
            return WebSocketHeadStatus.Incomplete;
        }
        if (start[Prefix.Length] is not ((byte)' ' or (byte)'?'))
        {
            return WebSocketHeadStatus.NotSignaling; // /wsx, /ws/ ...: the endpoint routing decides
        }
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> _, HeadEnd, advancePastDelimiter: true))
        {
            headLength = reader.Consumed;
            return headLength > maxHeadBytes ? WebSocketHeadStatus.TooLarge : WebSocketHeadStatus.Upgrade;
        }
        return buffer.Length >= maxHeadBytes ? WebSocketHeadStatus.TooLarge : WebSocketHeadStatus.Incomplete;
    }

    /// <summary>Reads one complete head (request line to the empty line, as found by <see cref="Peek"/>).</summary>
    public static WebSocketHeadStatus Read(ReadOnlySpan<byte> head, out WebSocketUpgradeRequest request)
    {
        request = default;
        int lineEnd = head.IndexOf(Crlf);
        if (lineEnd < 0 || !IsRequestLine(head[..lineEnd]))
        {
            return WebSocketHeadStatus.NotSignaling;
        }
        var headers = new HeaderSet();
        ReadOnlySpan<byte> rest = head[(lineEnd + 2)..];
        while (true)
        {
            lineEnd = rest.IndexOf(Crlf);
            if (lineEnd < 0)
            {
                return WebSocketHeadStatus.NotSignaling;
            }
            if (lineEnd == 0)
            {
                break;
            }
            if (!headers.Add(rest[..lineEnd]))
            {
                return WebSocketHeadStatus.NotSignaling;
            }
            rest = rest[(lineEnd + 2)..];
        }
        return headers.Decide(out request);
    }

    /// <summary><c>GET /ws[?query] HTTP/1.1</c> with visible ASCII in the target.</summary>
    private static bool IsRequestLine(ReadOnlySpan<byte> line)
    {
        if (!line.EndsWith(Http11) || !line.StartsWith(Prefix))
        {
            return false;
        }
        ReadOnlySpan<byte> target = line[4..^Http11.Length];
        if (target.Length > 3 && target[3] != (byte)'?')
        {
            return false;
        }
        foreach (byte b in target)
        {
            if (b is <= 0x20 or >= 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The headers that matter for the decision; anything odd makes the whole head NotSignaling.</summary>
    private ref struct HeaderSet
    {
        private int _hosts;
        private string? _host;
        private string? _origin;
        private int _origins;
        private int _keys;
        private ReadOnlySpan<byte> _key;
        private bool _version13;
        private bool _upgradeWebSocket;
        private bool _connectionUpgrade;
        private bool _subProtocol;
        private bool _body;

        /// <summary>Adds one <c>name: value</c> line; false for a line Kestrel would reject (or that we do not handle).</summary>
        public bool Add(ReadOnlySpan<byte> line)
        {
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return false;
            }
            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            foreach (byte b in name)
            {
                if (b is <= 0x20 or >= 0x7F or (byte)'(' or (byte)')' or (byte)'"' or (byte)'/' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}')
                {
                    return false; // not a token (also catches obs-fold and whitespace before the colon)
                }
            }
            foreach (byte b in value)
            {
                if (b is < 0x20 and not (byte)'\t' || b >= 0x7F)
                {
                    return false; // control characters or non-ASCII: Kestrel decides
                }
            }
            Apply(name, value);
            return true;
        }

        private void Apply(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            if (Is(name, "host"u8))
            {
                _hosts++;
                _host = Encoding.ASCII.GetString(value);
            }
            else if (Is(name, "origin"u8))
            {
                _origins++;
                _origin = Encoding.ASCII.GetString(value);
            }
            else if (Is(name, "upgrade"u8))
            {
                _upgradeWebSocket |= HasToken(value, "websocket"u8, ignoreCase: true);
            }
            else if (Is(name, "connection"u8))
            {
                _connectionUpgrade |= HasToken(value, "upgrade"u8, ignoreCase: true);
            }
            else if (Is(name, "sec-websocket-key"u8))
            {
                _keys++;
                _key = value;
            }
            else if (Is(name, "sec-websocket-version"u8))
            {
                _version13 = value.SequenceEqual("13"u8);
            }
            else if (Is(name, "sec-websocket-protocol"u8))
            {
                _subProtocol |= HasToken(value, "rtcstack.v1"u8, ignoreCase: false);
            }
            else if (Is(name, "content-length"u8) || Is(name, "transfer-encoding"u8))
            {
                _body = true;
            }
        }

        public readonly WebSocketHeadStatus Decide(out WebSocketUpgradeRequest request)
        {
            request = default;
            if (!_upgradeWebSocket || !_connectionUpgrade || _hosts != 1 || _origins > 1 || _body)
            {
                return WebSocketHeadStatus.NotSignaling;
            }
            if (!_version13)
            {
                return WebSocketHeadStatus.UnsupportedVersion;
            }
            Span<byte> decoded = stackalloc byte[18];
            if (_keys != 1 || _key.Length != 24
                || System.Buffers.Text.Base64.DecodeFromUtf8(_key, decoded, out _, out int written) != OperationStatus.Done
                || written != 16)
            {
                return WebSocketHeadStatus.BadRequest;
            }
            request = new WebSocketUpgradeRequest(_host!, _origin, Encoding.ASCII.GetString(_key), _subProtocol);
            return WebSocketHeadStatus.Upgrade;
        }

        private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower) => Ascii.EqualsIgnoreCase(name, lower);

        /// <summary>Whether a comma-separated list holds <paramref name="token"/>.</summary>
        private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token, bool ignoreCase)
        {
            foreach (Range part in list.Split((byte)','))
            {
                ReadOnlySpan<byte> item = list[part].Trim(" \t"u8);
                if (ignoreCase ? Ascii.EqualsIgnoreCase(item, token) : item.SequenceEqual(token))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
