using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>
/// A hub on the in-memory backplane with alice and bob in room r, each attached to a <see cref="SinkWebSocket"/>;
/// <see cref="Relay"/> is what <c>ConnectionRunner</c> does with a frame from alice. <see cref="AddNodeAsync"/> starts
/// a second hub on the same bus.
/// </summary>
internal sealed class RelayRig : IAsyncDisposable
{
    private readonly SignalingConnection _alice;
    private readonly List<SignalingHub> _hubs;

    private RelayRig(SignalingHub hub, InMemoryBackplane backplane, SignalingConnection alice, SinkWebSocket aliceSink, Session bob, SinkWebSocket bobSink)
    {
        Hub = hub;
        Backplane = backplane;
        _hubs = [hub];
        _alice = alice;
        AliceSink = aliceSink;
        Bob = bob;
        BobSink = bobSink;
    }

    public SignalingHub Hub { get; }
    public InMemoryBackplane Backplane { get; }
    public SinkWebSocket AliceSink { get; }
    public Session Bob { get; }
    public SinkWebSocket BobSink { get; }

    public static async Task<RelayRig> CreateAsync()
    {
        var backplane = new InMemoryBackplane("alloc");
        SignalingHub hub = await StartHubAsync(backplane);
        var aliceSink = new SinkWebSocket();
        var bobSink = new SinkWebSocket();
        (_, SignalingConnection alice) = await JoinAsync(hub, backplane, "alice", aliceSink);
        (Session bob, _) = await JoinAsync(hub, backplane, "bob", bobSink);
        return new RelayRig(hub, backplane, alice, aliceSink, bob, bobSink);
    }

    /// <summary>A second hub on this bus with a session of <paramref name="peer"/> in room r, subscribed there.</summary>
    public async Task<(SignalingHub Hub, Session Session)> AddNodeAsync(string peer, SinkWebSocket sink)
    {
        InMemoryBackplane node = Backplane.CreateNode("alloc-2");
        SignalingHub hub = await StartHubAsync(node);
        _hubs.Add(hub);
        (Session session, _) = await JoinAsync(hub, node, peer, sink);
        return (hub, session);
    }

    private static async Task<SignalingHub> StartHubAsync(InMemoryBackplane backplane)
    {
        var options = new SignalingOptions { TokenSecret = HubHarness.Secret, ResumeBufferMessages = 64 };
        var time = new ManualTimeProvider();
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(options), time);
        var hub = new SignalingHub(Microsoft.Extensions.Options.Options.Create(options), backplane, tokens, time, NullLoggerFactory.Instance, null);
        await hub.StartAsync(CancellationToken.None);
        return hub;
    }

    private static async Task<(Session, SignalingConnection)> JoinAsync(SignalingHub hub, InMemoryBackplane backplane, string peer, SinkWebSocket sink)
    {
        var claims = new PeerClaims(peer, ["*"], Permissions.Publish | Permissions.Subscribe, DateTimeOffset.MaxValue);
        var session = new Session(new PeerId(peer), "s-" + peer, claims, hub.Options.ResumeBufferMessages);
        session.SetRoom("r", null);
        hub.Sessions[peer] = session;
        await backplane.SubscribePeerAsync(session.Peer, CancellationToken.None);
        await backplane.AddMemberAsync(new RoomId("r"), new RoomMember(peer, null), 10, CancellationToken.None);
        var connection = new SignalingConnection("c-" + peer, sink, IPAddress.Loopback, 0, hub.Options.SendQueueMessages) { Session = session };
        Assert.True(session.Attach(connection, "{\"type\":\"welcome\"}"u8.ToArray(), 0, resuming: false));
        return (session, connection);
    }

    /// <summary>Relays a frame from alice; the relay must complete synchronously.</summary>
    public void Relay(byte[] frame)
    {
        Task? relayed = Hub.Commands.TryRelayRaw(_alice, frame);
        Assert.NotNull(relayed);
        Assert.True(relayed.IsCompletedSuccessfully);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SignalingHub hub in _hubs)
        {
            await hub.DisposeAsync();
        }
    }
}
