using System.Text.Json;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The relay fast path publishes messages that exist only in memory; it must stay off for a backplane whose
/// <see cref="IBackplane.DeliversByReference"/> is false (it serializes envelopes, as the Redis one does).
/// </summary>
public sealed class SerializingBackplaneTests
{
    [Fact]
    public void Only_the_in_memory_backplane_delivers_by_reference()
    {
        Assert.True(new InMemoryBackplane().DeliversByReference);
        Assert.False(new Backplane.Redis.RedisBackplane(new Backplane.Redis.RedisBackplaneOptions { ConnectionString = "127.0.0.1:1" }).DeliversByReference);
        Assert.False(new SerializingBackplane().DeliversByReference);
    }

    [Fact]
    public async Task Relayed_messages_arrive_whole_through_a_backplane_that_serializes_envelopes()
    {
        await using var h = new HubHarness(backplane: new SerializingBackplane());
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        await h.JoinAsync(alice, "r");
        await h.JoinAsync(bob, "r");

        await alice.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "bob", Data = JsonDocument.Parse("{\"n\":1}").RootElement.Clone() });
        Assert.Equal("ack", (await alice.RequestAsync(new ClientMessage { Type = "message", Room = "r", Data = JsonDocument.Parse("{\"n\":2}").RootElement.Clone() })).Type);

        ServerMessage direct = await bob.ReceiveAsync(m => m.Type == "message");
        Assert.Equal(("alice", 1), (direct.From, direct.Data!.Value.GetProperty("n").GetInt32()));
        ServerMessage broadcast = await bob.ReceiveAsync(m => m.Type == "message");
        Assert.Equal(("alice", 2), (broadcast.From, broadcast.Data!.Value.GetProperty("n").GetInt32()));
        Assert.True(await alice.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(100)));
    }

    /// <summary>An in-memory bus that passes every envelope through JSON, as a networked backplane would.</summary>
    private sealed class SerializingBackplane : IBackplane
    {
        private readonly InMemoryBackplane _inner = new("serializing");

        public string NodeId => _inner.NodeId;

        public bool IsHealthy => true;

        public bool DeliversByReference => false;

        public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) => _inner.StartAsync(handler, cancellationToken);

        public ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken) =>
            _inner.PublishToPeerAsync(peer, RoundTrip(envelope), cancellationToken);

        public ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken) =>
            _inner.PublishToRoomAsync(room, RoundTrip(envelope), cancellationToken);

        public ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => _inner.SubscribePeerAsync(peer, cancellationToken);

        public ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => _inner.UnsubscribePeerAsync(peer, cancellationToken);

        public ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken) =>
            _inner.AddMemberAsync(room, member, capacity, cancellationToken);

        public ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken) => _inner.UpdateMemberAsync(room, member, cancellationToken);

        public ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => _inner.RemoveMemberAsync(room, peer, cancellationToken);

        public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => _inner.IsMemberAsync(room, peer, cancellationToken);

        public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) => _inner.GetMembersAsync(room, cancellationToken);

        public ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken) =>
            _inner.SetSessionOwnerAsync(peer, owner, cancellationToken);

        public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken) => _inner.GetSessionOwnerAsync(peer, cancellationToken);

        public ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken) =>
            _inner.RemoveSessionOwnerAsync(peer, sessionId, cancellationToken);

        public ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken) =>
            _inner.RequestHandoverAsync(owner, peer, resumeSessionId, cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        private static BackplaneEnvelope RoundTrip(BackplaneEnvelope envelope) =>
            JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(envelope, BackplaneJsonContext.Default.BackplaneEnvelope), BackplaneJsonContext.Default.BackplaneEnvelope)!;
    }
}
