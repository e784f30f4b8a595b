using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>Every recoverable error code of docs/protocol.md, each answering its request (<c>re</c>) on an open socket.</summary>
public class ErrorTests : IAsyncLifetime
{
    /// <summary>Extra settings for the node(s) (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(["RoomCapacity=2", "MaxRoomsPerSession=2", .. Settings]);

    public async Task DisposeAsync()
    {
        Engine.EngineSettings.AssertServed(_node.Services, Settings);
        await _node.DisposeAsync();
    }

    [Theory]
    [InlineData("""{"type":"join","id":"r1","room":""}""")]
    [InlineData("""{"type":"join","id":"r1"}""")]
    [InlineData("""{"type":"offer","id":"r1","room":"x","to":"bob"}""")]
    [InlineData("""{"type":"join","id":"r1","room":"has space"}""")]
    [InlineData("""{"type":"join","id":"r1","room":"x","meta":[1]}""")]
    public async Task Missing_or_invalid_fields_get_bad_request_and_the_socket_stays_open(string frame)
    {
        await using var raw = await AuthenticatedAsync("alice");
        await raw.SendTextAsync(frame);
        var error = await raw.ReceiveTypeAsync(MessageTypes.Error);
        Assert.Equal((ErrorCodes.BadRequest, "r1"), (error!.Code, error.Re));
        Assert.False(string.IsNullOrEmpty(error.Message));
        await AssertStillServesAsync(raw);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("\"just a string\"")]
    [InlineData("""{"type":42}""")]
    public async Task Malformed_json_gets_bad_request(string frame)
    {
        await using var raw = await AuthenticatedAsync("alice");
        await raw.SendTextAsync(frame);
        Assert.Equal(ErrorCodes.BadRequest, (await raw.ReceiveTypeAsync(MessageTypes.Error))!.Code);
        await AssertStillServesAsync(raw);
    }

    [Fact]
    public async Task Unknown_type_gets_unknown_type()
    {
        await using var raw = await AuthenticatedAsync("alice");
        await raw.SendTextAsync("""{"type":"teleport","id":"t"}""");
        var error = await raw.ReceiveTypeAsync(MessageTypes.Error);
        Assert.Equal((ErrorCodes.UnknownType, "t"), (error!.Code, error.Re));
        await AssertStillServesAsync(raw);
    }

    [Fact]
    public async Task Room_not_in_token_is_forbidden()
    {
        var client = _node.Client("alice", room: "allowed");
        await client.ConnectAsync();
        await client.JoinAsync("allowed");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => client.JoinAsync("secret"));
        Assert.Equal(ErrorCodes.Forbidden, ex.Code);
    }

    [Fact]
    public async Task Offer_without_publish_or_subscribe_permission_is_forbidden_but_message_is_allowed()
    {
        var mute = _node.Client("mute", o => o.Token = _node.Mint("mute", permissions: Permissions.None));
        await mute.ConnectAsync();
        var (bob, _) = await _node.ConnectAsync("bob");
        await mute.JoinAsync("p");
        await bob.JoinAsync("p");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => mute.SendOfferAsync("p", "bob", "v=0"));
        Assert.Equal(ErrorCodes.Forbidden, ex.Code);
        await mute.SendMessageAsync("p", Json.Parse("1"), to: "bob");
    }

    [Fact]
    public async Task Full_room_gets_room_full()
    {
        var (a, _) = await _node.ConnectAsync("a");
        var (b, _) = await _node.ConnectAsync("b");
        var (c, _) = await _node.ConnectAsync("c");
        await a.JoinAsync("small");
        await b.JoinAsync("small");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => c.JoinAsync("small"));
        Assert.Equal(ErrorCodes.RoomFull, ex.Code);
    }

    [Fact]
    public async Task Too_many_rooms_gets_too_many_rooms()
    {
        var (a, _) = await _node.ConnectAsync("a");
        await a.JoinAsync("r1");
        await a.JoinAsync("r2");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => a.JoinAsync("r3"));
        Assert.Equal(ErrorCodes.TooManyRooms, ex.Code);
    }

    [Fact]
    public async Task Sending_to_a_room_one_is_not_in_gets_not_in_room_and_unknown_member_gets_unknown_target()
    {
        var (a, _) = await _node.ConnectAsync("a");
        await a.JoinAsync("r1");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => a.SendOfferAsync("elsewhere", "b", "v=0"));
        Assert.Equal(ErrorCodes.NotInRoom, ex.Code);
        ex = await Assert.ThrowsAsync<SignalingException>(() => a.SendAnswerAsync("r1", "ghost", "v=0"));
        Assert.Equal(ErrorCodes.UnknownTarget, ex.Code);
        ex = await Assert.ThrowsAsync<SignalingException>(() => a.UpdateAsync("elsewhere", Json.Parse("{}")));
        Assert.Equal(ErrorCodes.NotInRoom, ex.Code);
        ex = await Assert.ThrowsAsync<SignalingException>(() => a.LeaveAsync("elsewhere"));
        Assert.Equal(ErrorCodes.NotInRoom, ex.Code);
    }

    [Theory]
    [InlineData("ringing")]
    [InlineData("accept")]
    [InlineData("decline")]
    [InlineData("cancel")]
    [InlineData("hangup")]
    public async Task Unknown_call_id_gets_unknown_call(string type)
    {
        var (a, _) = await _node.ConnectAsync("a");
        var ex = await Assert.ThrowsAsync<SignalingException>(() => a.RequestAsync(new ClientMessage { Type = type, CallId = "c-nope" }));
        Assert.Equal(ErrorCodes.UnknownCall, ex.Code);
    }

    [Fact]
    public async Task Errors_are_counted_in_metrics_by_code()
    {
        var (a, _) = await _node.ConnectAsync("a");
        double before = await _node.MetricAsync("signaling_errors", "not-in-room");
        await Assert.ThrowsAsync<SignalingException>(() => a.LeaveAsync("nowhere"));
        double after = await _node.MetricAsync("signaling_errors", "not-in-room");
        Assert.True(after >= before + 1, $"before {before}, after {after}");
    }

    private async Task<RawSocket> AuthenticatedAsync(string sub)
    {
        var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(_node.Mint(sub)))!.Type);
        return raw;
    }

    private static async Task AssertStillServesAsync(RawSocket raw)
    {
        await raw.SendTextAsync("""{"type":"ping","id":"still-there"}""");
        var pong = await raw.ReceiveTypeAsync(MessageTypes.Pong);
        Assert.Equal("still-there", pong!.Re);
    }
}
