using System.Net.WebSockets;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Two hellos of one peer at once on a node: a client gave up waiting for its first welcome while that takeover
/// waited for a dead owner node, and connected again. The later hello's session must be the node's session of the
/// peer (the earlier one ended, replaced), never overwritten by the earlier hello finishing last.
/// </summary>
public sealed class ConcurrentHelloTests
{
    [Fact]
    public async Task A_hello_that_finishes_while_another_of_the_same_peer_waits_for_a_dead_owner_does_not_orphan_the_later_session()
    {
        var backplane = new DeadOwnerBackplane("bob");
        await using var h = new HubHarness(backplane: backplane);
        await h.StartAsync();

        TestClient first = await h.ConnectAsync();
        await first.SendAsync(new ClientMessage { Type = "hello", Id = first.NextId(), V = 1, Token = h.Token("bob") });
        await backplane.HandoverRequested.WaitAsync(TestClient.Timeout);

        // The owner was swept meanwhile: the second hello finds no owner.
        TestClient second = await h.ConnectAsync();
        Task<ServerMessage> secondWelcome = second.HelloAsync(h.Token("bob"));
        await Task.WhenAny(secondWelcome, Task.Delay(200));
        backplane.ReleaseHandover();

        ServerMessage welcome = await secondWelcome;
        // The first hello finished first (its welcome), then the second replaced its session.
        Assert.Equal("welcome", (await first.ReceiveAsync(m => m.Type == "welcome")).Type);
        Assert.Equal((WebSocketCloseStatus)CloseCodes.Replaced, await first.WaitClosedAsync());
        Assert.True(h.Hub.Sessions.TryGetValue("bob", out Hub.Session? current));
        Assert.Equal(welcome.Session, current.Id);
        Assert.Equal("pong", (await second.RequestAsync(new ClientMessage { Type = "ping" })).Type);
    }

    /// <summary>The in-memory bus, except that the peer's first owner lookup finds a session on a node that never answers until released.</summary>
    private sealed class DeadOwnerBackplane(string peer) : IBackplane
    {
        private readonly InMemoryBackplane _inner = new("node-a");
        private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lookups;

        public Task HandoverRequested => _requested.Task;

        public void ReleaseHandover() => _release.TrySetResult();

        public string NodeId => _inner.NodeId;

        public bool IsHealthy => true;

        public bool DeliversByReference => _inner.DeliversByReference;

        public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) => _inner.StartAsync(handler, cancellationToken);

        public ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken) => _inner.PublishToPeerAsync(peer, envelope, cancellationToken);

        public ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken) => _inner.PublishToRoomAsync(room, envelope, cancellationToken);

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

        public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId p, CancellationToken cancellationToken) =>
            p.Value == peer && Interlocked.Increment(ref _lookups) == 1
                ? ValueTask.FromResult<SessionOwner?>(new SessionOwner("node-dead", "s-dead"))
                : _inner.GetSessionOwnerAsync(p, cancellationToken);

        public ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken) =>
            _inner.RemoveSessionOwnerAsync(peer, sessionId, cancellationToken);

        public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
        {
            if (owner.NodeId != "node-dead")
            {
                return await _inner.RequestHandoverAsync(owner, peer, resumeSessionId, cancellationToken);
            }
            _requested.TrySetResult();
            await _release.Task;
            return null;
        }

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
