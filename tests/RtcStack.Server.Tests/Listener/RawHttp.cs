using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RtcStack.Server.Tests.Listener;

/// <summary>A plain TCP connection to the server for handshake tests: writes exact bytes, reads response heads.</summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<byte> _received = [];

    /// <summary>
    /// Connects; <paramref name="receiveBufferSize"/> sets SO_RCVBUF before the connect (so the window stays small), and
    /// <paramref name="maxSegment"/> the MSS this end announces (TCP_MAXSEG; on loopback the server's send buffer is
    /// sized from the MSS, so the usual 64 KiB one lets it hold megabytes).
    /// </summary>
    public static async Task<RawHttp> ConnectAsync(Uri baseAddress, int? receiveBufferSize = null, int? maxSegment = null)
    {
        var raw = new RawHttp();
        if (receiveBufferSize is int size)
        {
            raw._socket.ReceiveBufferSize = size;
        }
        if (maxSegment is int mss)
        {
            raw._socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 2 /* TCP_MAXSEG */, BitConverter.GetBytes(mss));
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await raw._socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseAddress.Port), cts.Token);
        return raw;
    }

    /// <summary>An RFC 6455 opening handshake for <paramref name="target"/> with the given header lines appended.</summary>
    public static string Upgrade(string target = "/ws", string version = "13", string key = "dGhlIHNhbXBsZSBub25jZQ==", params string[] extra) =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n"
        + string.Concat(extra.Select(e => e + "\r\n")) + "\r\n";

    public async Task SendAsync(string text) => await SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>The next response head (status line and headers, up to the empty line), and its body if it has a Content-Length.</summary>
    public async Task<string> ReadResponseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int end;
        while ((end = IndexOfHeadEnd()) < 0)
        {
            if (!await ReceiveMoreAsync(cts.Token))
            {
                throw new IOException("connection closed before a full response head: " + Encoding.ASCII.GetString([.. _received]));
            }
        }
        string head = Encoding.ASCII.GetString(_received.GetRange(0, end + 4).ToArray());
        _received.RemoveRange(0, end + 4);
        int length = ContentLength(head);
        while (_received.Count < length)
        {
            if (!await ReceiveMoreAsync(cts.Token))
            {
                break;
            }
        }
        int take = Math.Min(length, _received.Count);
        string body = Encoding.ASCII.GetString(_received.GetRange(0, take).ToArray());
        _received.RemoveRange(0, take);
        return head + body;
    }

    /// <summary>True when the server closes the connection (reads and drops anything before the end).</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await ReceiveMoreAsync(cts.Token))
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true; // reset also counts as closed
        }
    }

    /// <summary>Writes one masked client text frame (RFC 6455 section 5.2).</summary>
    public async Task SendTextFrameAsync(string text)
    {
        byte[] payload = Encoding.UTF8.GetBytes(text);
        var frame = new List<byte> { 0x81 };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else
        {
            frame.AddRange([0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        byte[] mask = [1, 2, 3, 4];
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        await SendAsync([.. frame]);
    }

    /// <summary>Reads one unmasked server frame of any kind: its first byte (FIN and opcode) and payload.</summary>
    public async Task<(byte First, byte[] Payload)> ReadFrameAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_received.Count >= 2)
            {
                int length = _received[1] & 0x7F;
                int header = 2;
                if (length == 126 && _received.Count >= 4)
                {
                    length = (_received[2] << 8) | _received[3];
                    header = 4;
                }
                if ((length < 126 || header == 4) && _received.Count >= header + length)
                {
                    byte first = _received[0];
                    byte[] payload = _received.GetRange(header, length).ToArray();
                    _received.RemoveRange(0, header + length);
                    return (first, payload);
                }
            }
            if (!await ReceiveMoreAsync(cts.Token))
            {
                throw new IOException("connection closed before a full frame");
            }
        }
    }

    /// <summary>Reads one unmasked server text frame and returns its payload.</summary>
    public async Task<string> ReadTextFrameAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_received.Count >= 2)
            {
                int length = _received[1] & 0x7F;
                int header = 2;
                if (length == 126 && _received.Count >= 4)
                {
                    length = (_received[2] << 8) | _received[3];
                    header = 4;
                }
                if (length < 126 || header == 4)
                {
                    if (_received.Count >= header + length)
                    {
                        Assert.Equal(0x81, _received[0]);
                        string text = Encoding.UTF8.GetString(_received.GetRange(header, length).ToArray());
                        _received.RemoveRange(0, header + length);
                        return text;
                    }
                }
            }
            if (!await ReceiveMoreAsync(cts.Token))
            {
                throw new IOException("connection closed before a full frame");
            }
        }
    }

    private async Task<bool> ReceiveMoreAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        _received.AddRange(buffer.AsSpan(0, n));
        return n > 0;
    }

    private int IndexOfHeadEnd()
    {
        for (int i = 0; i + 3 < _received.Count; i++)
        {
            if (_received[i] == '\r' && _received[i + 1] == '\n' && _received[i + 2] == '\r' && _received[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private static int ContentLength(string head)
    {
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
