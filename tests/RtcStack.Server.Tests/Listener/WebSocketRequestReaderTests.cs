using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Xunit;
using RtcStack.Server.Endpoints;

namespace RtcStack.Server.Tests.Listener;

/// <summary>The head reader: which heads the listener takes, and that it never throws.</summary>
public sealed class WebSocketRequestReaderTests
{
    private const string Valid = "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    [Theory]
    [InlineData("", (int)WebSocketHeadStatus.Incomplete)]
    [InlineData("GE", (int)WebSocketHeadStatus.Incomplete)]
    [InlineData("GET /ws", (int)WebSocketHeadStatus.Incomplete)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\n", (int)WebSocketHeadStatus.Incomplete)]
    [InlineData("POST /ws HTTP/1.1\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("GET /healthz HTTP/1.1\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("GET /wsx HTTP/1.1\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("GET /ws/ HTTP/1.1\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("\u0016\u0003\u0001", (int)WebSocketHeadStatus.NotSignaling)] // a TLS ClientHello
    [InlineData("GET /ws HTTP/1.1\r\n\r\n", (int)WebSocketHeadStatus.Upgrade)]
    public void Peek_decides_from_the_first_bytes(string text, int expected)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        Assert.Equal((WebSocketHeadStatus)expected, WebSocketRequestReader.Peek(buffer, 1024, out _));
    }

    [Fact]
    public void Peek_finds_the_head_end_across_segments_and_enforces_the_limit()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Valid + "trailing frame bytes");
        ReadOnlySequence<byte> split = Segments.Split(bytes, 5, 17, 60, 61);
        Assert.Equal(WebSocketHeadStatus.Upgrade, WebSocketRequestReader.Peek(split, 1024, out long length));
        Assert.Equal(Valid.Length, length);
        Assert.Equal(WebSocketHeadStatus.TooLarge, WebSocketRequestReader.Peek(split, 40, out _));
        Assert.Equal(WebSocketHeadStatus.TooLarge, WebSocketRequestReader.Peek(new ReadOnlySequence<byte>(bytes.AsMemory(0, 50)), 40, out _));
    }

    [Fact]
    public void Read_takes_a_valid_head()
    {
        string head = Valid.Replace("\r\n\r\n", "\r\nOrigin: http://localhost:3000\r\nSec-WebSocket-Protocol: a, rtcstack.v1\r\n\r\n", StringComparison.Ordinal);
        Assert.Equal(WebSocketHeadStatus.Upgrade, WebSocketRequestReader.Read(Encoding.ASCII.GetBytes(head), out WebSocketUpgradeRequest request));
        Assert.Equal(new WebSocketUpgradeRequest("h", "http://localhost:3000", "dGhlIHNhbXBsZSBub25jZQ==", true), request);
    }

    [Theory]
    [InlineData("Upgrade: websocket\r\n", "", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Connection: keep-alive, Upgrade\r\n", "Connection: keep-alive\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "Host: h\r\nHost: i\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "Host: h\r\nContent-Length: 0\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "Host: h\r\n folded\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "Host : h\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Host: h\r\n", "Host: h\u00e9\r\n", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("HTTP/1.1", "HTTP/1.0", (int)WebSocketHeadStatus.NotSignaling)]
    [InlineData("Sec-WebSocket-Version: 13\r\n", "", (int)WebSocketHeadStatus.UnsupportedVersion)]
    [InlineData("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n", (int)WebSocketHeadStatus.UnsupportedVersion)]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", (int)WebSocketHeadStatus.BadRequest)]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=!", (int)WebSocketHeadStatus.BadRequest)]
    [InlineData("upgrade: websocket", "UPGRADE: WebSocket", (int)WebSocketHeadStatus.Upgrade)]
    public void Read_classifies_each_deviation(string from, string to, int expected)
    {
        string head = Valid.Replace(from, to, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((WebSocketHeadStatus)expected, WebSocketRequestReader.Read(Encoding.Latin1.GetBytes(head), out _));
    }

    [Property(MaxTest = 500)]
    public void Reading_never_throws_for_any_bytes(byte[] bytes, NonNegativeInt cut)
    {
        byte[] head = [.. Encoding.ASCII.GetBytes(Valid), .. bytes];
        int at = Math.Min(cut.Get, head.Length);
        WebSocketRequestReader.Read(head.AsSpan(0, at), out _);
        WebSocketRequestReader.Read(bytes, out _);
        WebSocketRequestReader.Peek(new ReadOnlySequence<byte>(head.AsMemory(0, at)), 64, out _);
        WebSocketRequestReader.Peek(new ReadOnlySequence<byte>(bytes), 64, out _);
    }

    [Fact]
    public void The_101_carries_the_RFC_6455_example_accept_value()
    {
        var buffer = new byte[WebSocketHandshakeResponse.MaxLength];
        int n = WebSocketHandshakeResponse.WriteSwitchingProtocols(buffer, "dGhlIHNhbXBsZSBub25jZQ==", "rtcstack.v1");
        Assert.Equal(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: rtcstack.v1\r\n\r\n",
            Encoding.ASCII.GetString(buffer, 0, n));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
        {
            int[] bounds = [0, .. cuts, bytes.Length];
            var first = new Segments(bytes.AsMemory(0, bounds[1]), 0);
            Segments last = first;
            for (int i = 1; i + 1 < bounds.Length; i++)
            {
                var next = new Segments(bytes.AsMemory(bounds[i], bounds[i + 1] - bounds[i]), bounds[i]);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
