using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Options;
using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>Fatal errors: the documented error frame, then the documented close code.</summary>
public class FatalErrorTests : IAsyncLifetime
{
    /// <summary>Extra settings for the node(s) (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(["HelloTimeoutMs=4000", .. Settings]);

    public async Task DisposeAsync()
    {
        Engine.EngineSettings.AssertServed(_node.Services, Settings);
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_request_before_hello_is_not_authenticated_4003()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        await raw.SendTextAsync("""{"type":"join","id":"j","room":"x"}""");
        Assert.Equal(ErrorCodes.NotAuthenticated, (await raw.ReceiveTypeAsync(MessageTypes.Error))!.Code);
        Assert.Equal(CloseCodes.ProtocolViolation, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Hello_twice_is_a_protocol_violation_4003()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        string token = _node.Mint("alice");
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(token))!.Type);
        await raw.SendTextAsync($$"""{"type":"hello","v":1,"token":"{{token}}"}""");
        Assert.Equal(ErrorCodes.ProtocolViolation, (await raw.ReceiveTypeAsync(MessageTypes.Error))!.Code);
        Assert.Equal(CloseCodes.ProtocolViolation, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Hello_with_a_wrong_version_is_a_protocol_violation_4003()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        await raw.SendTextAsync($$"""{"type":"hello","v":2,"token":"{{_node.Mint("alice")}}"}""");
        Assert.Equal(ErrorCodes.ProtocolViolation, (await raw.ReceiveTypeAsync(MessageTypes.Error))!.Code);
        Assert.Equal(CloseCodes.ProtocolViolation, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task No_hello_within_the_hello_timeout_closes_with_4003()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(CloseCodes.ProtocolViolation, await raw.WaitForCloseAsync());
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("other-secret")]
    [InlineData("garbage")]
    public async Task Bad_tokens_get_invalid_token_4001(string kind)
    {
        string good = _node.Mint("alice");
        string token = kind switch
        {
            "tampered" => Tamper(good),
            "other-secret" => new TokenService(Options.Create(new SignalingOptions { TokenSecret = new string('x', 48) }), TimeProvider.System)
                .Mint("alice", ["*"], Permissions.Publish, TimeSpan.FromHours(1)).Token,
            _ => "not.a.jwt",
        };
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        var error = await raw.HelloAsync(token);
        Assert.Equal(ErrorCodes.InvalidToken, error!.Code);
        Assert.Equal(CloseCodes.InvalidToken, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task An_expired_token_gets_token_expired_4002_and_the_client_does_not_loop()
    {
        var past = new PastTimeProvider(TimeSpan.FromHours(3));
        string expired = new TokenService(Options.Create(new SignalingOptions { TokenSecret = TestNode.Secret }), past)
            .Mint("alice", ["*"], Permissions.Publish, TimeSpan.FromHours(1)).Token;
        await using (var raw = await RawSocket.ConnectAsync(_node.WebSocketUri))
        {
            Assert.Equal(ErrorCodes.TokenExpired, (await raw.HelloAsync(expired))!.Code);
            Assert.Equal(CloseCodes.TokenExpired, await raw.WaitForCloseAsync());
        }

        var client = _node.Client("alice", o => o.Token = expired);
        var ex = await Assert.ThrowsAsync<SignalingException>(() => client.ConnectAsync());
        Assert.Equal(ErrorCodes.TokenExpired, ex.Code);
        Assert.Equal(ConnectionState.Closed, client.State);
    }

    [Fact]
    public async Task A_frame_above_max_frame_bytes_closes_with_1009()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(_node.Mint("alice")))!.Type);
        string big = "{\"type\":\"message\",\"room\":\"r\",\"data\":\"" + new string('a', 70 * 1024) + "\"}";
        await raw.SendTextAsync(big);
        var error = await raw.ReceiveTypeAsync(MessageTypes.Error);
        if (error is not null)
        {
            Assert.Equal(ErrorCodes.FrameTooLarge, error.Code);
        }

        Assert.Equal(1009, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task A_binary_frame_closes_with_1003()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(_node.Mint("alice")))!.Type);
        await raw.SendAsync(Encoding.UTF8.GetBytes("""{"type":"ping"}"""), WebSocketMessageType.Binary);
        var error = await raw.ReceiveTypeAsync(MessageTypes.Error);
        if (error is not null)
        {
            Assert.Equal(ErrorCodes.BinaryNotSupported, error.Code);
        }

        Assert.Equal(1003, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task An_origin_outside_the_allow_list_gets_403_and_localhost_is_allowed()
    {
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => RawSocket.ConnectAsync(_node.WebSocketUri, origin: "http://evil.example"));
        Assert.Contains("403", ex.Message + ex.InnerException?.Message, StringComparison.Ordinal);
        await using var ok = await RawSocket.ConnectAsync(_node.WebSocketUri, origin: "http://localhost:5173");
        Assert.Equal(MessageTypes.Welcome, (await ok.HelloAsync(_node.Mint("alice")))!.Type);
    }

    private static string Tamper(string jwt)
    {
        string[] parts = jwt.Split('.');
        char[] signature = parts[2].ToCharArray();
        signature[5] = signature[5] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{new string(signature)}";
    }

    private sealed class PastTimeProvider(TimeSpan back) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() - back;
    }
}
