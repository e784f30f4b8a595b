using System.Text.Json;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Listener;

/// <summary>
/// The <c>/ws</c> handshake answered by the connection listener (before Kestrel's HTTP/1 pipeline), over real
/// sockets: its answers carry no <c>Server: Kestrel</c> header, the fallback's do.
/// </summary>
public class HandshakeTests : IAsyncLifetime
{
    private TestNode _node = null!;

    /// <summary>Extra settings for the node (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        Engine.EngineSettings.AssertServed(_node.Services, Settings);
        await _node.DisposeAsync();
    }

    [Theory]
    [InlineData("/ws")]
    [InlineData("/ws?client=test&v=1")]
    public async Task A_valid_handshake_gets_the_listeners_101_with_the_RFC_accept_value(string target)
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade(target, extra: "Sec-WebSocket-Protocol: other, rtcstack.v1"));
        string response = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response, StringComparison.Ordinal); // RFC 6455 section 1.3
        Assert.Contains("\r\nSec-WebSocket-Protocol: rtcstack.v1\r\n", response, StringComparison.Ordinal);
        Assert.DoesNotContain("Kestrel", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hello_over_the_listeners_socket_gets_a_welcome()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade());
        string response = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Protocol", response, StringComparison.Ordinal);
        await raw.SendTextFrameAsync($$"""{"type":"hello","v":1,"token":"{{_node.Mint("alice")}}"}""");
        using JsonDocument welcome = JsonDocument.Parse(await raw.ReadTextFrameAsync());
        Assert.Equal(MessageTypes.Welcome, welcome.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_head_that_arrives_in_pieces_is_still_answered()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        string head = RawHttp.Upgrade();
        foreach (string piece in new[] { head[..3], head[3..9], head[9..40], head[40..] })
        {
            await raw.SendAsync(piece);
            await Task.Delay(20);
        }
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_12_gets_426_naming_version_13()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade(version: "12"));
        string response = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 426 ", response, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", response, StringComparison.Ordinal);
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ")] // no padding
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==dGhl")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!==")]
    [InlineData("dGhlIHNhbXBsZSBub25jZXh4eA==")] // 19 bytes
    public async Task A_bad_key_gets_400(string key)
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade(key: key));
        Assert.StartsWith("HTTP/1.1 400 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_second_key_header_gets_400()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade(extra: "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="));
        Assert.StartsWith("HTTP/1.1 400 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_origin_outside_the_policy_gets_403_and_localhost_passes()
    {
        await using (var raw = await RawHttp.ConnectAsync(_node.BaseAddress))
        {
            await raw.SendAsync(RawHttp.Upgrade(extra: "Origin: http://evil.example"));
            Assert.StartsWith("HTTP/1.1 403 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
            Assert.True(await raw.ClosedByServerAsync());
        }
        await using (var raw = await RawHttp.ConnectAsync(_node.BaseAddress))
        {
            await raw.SendAsync(RawHttp.Upgrade(extra: "Origin: http://localhost:5173"));
            Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_oversized_head_gets_431()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        string big = "X-Filler: " + new string('a', 8000);
        await raw.SendAsync(RawHttp.Upgrade(extra: [big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big]));
        Assert.StartsWith("HTTP/1.1 431 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Upgrade_the_request_falls_through_to_the_endpoints_400()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        string response = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_routes_on_the_same_port_are_served_by_Kestrel()
    {
        Assert.Equal(200, await _node.GetStatusAsync("/healthz"));
        Assert.Contains("ok", await _node.GetStringAsync("/healthz"), StringComparison.Ordinal);
        Assert.Equal(404, await _node.GetStatusAsync("/nothing-here"));
        Assert.Equal(404, await _node.GetStatusAsync("/wsx"));
    }

    [Fact]
    public async Task A_keep_alive_request_then_an_upgrade_on_the_same_connection_goes_through_Kestrel()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        string first = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200 ", first, StringComparison.Ordinal);
        await raw.SendAsync(RawHttp.Upgrade());
        string second = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 101 ", second, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", second, StringComparison.Ordinal);
        await raw.SendTextFrameAsync($$"""{"type":"hello","v":1,"token":"{{_node.Mint("bob")}}"}""");
        using JsonDocument welcome = JsonDocument.Parse(await raw.ReadTextFrameAsync());
        Assert.Equal(MessageTypes.Welcome, welcome.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Pipelined_requests_before_an_upgrade_are_all_answered_in_order()
    {
        await using var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 200 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_closes_mid_head_does_not_disturb_the_server()
    {
        await using (var raw = await RawHttp.ConnectAsync(_node.BaseAddress))
        {
            await raw.SendAsync(RawHttp.Upgrade()[..30]);
        }
        Assert.Equal(200, await _node.GetStatusAsync("/healthz"));
        await using var ok = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await ok.HelloAsync(_node.Mint("carol")))!.Type);
    }
}
