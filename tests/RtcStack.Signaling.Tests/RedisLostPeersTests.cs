using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using StackExchange.Redis;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// <see cref="RedisLostPeers"/> over a real redis-server: each lost-peer notice is applied once whichever way it
/// arrives (published, read from the stream, both, or by two catch-ups at once), a sweep of this node's own sessions
/// is skipped but a forgotten session of its own is not, a lost stream does not leave the cursor ahead of new ids,
/// and a sweep whose stream append fails changes nothing.
/// </summary>
public sealed class RedisLostPeersTests : IAsyncLifetime
{
    private const string Me = "node-me";
    private readonly RedisKeys _keys = new("t:");
    private RedisServerProcess _redis = null!;
    private ConnectionMultiplexer _mux = null!;

    private IDatabase Db => _mux.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartNewAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_notice_published_then_read_from_the_stream_is_applied_once()
    {
        var (lost, handler) = await StartAsync();
        string id = await AddAsync("other", "s", "bob");
        Assert.True(lost.TakePublished(id));
        Assert.False(lost.TakePublished(id));
        await lost.CatchUpAsync(Db, handler);
        Assert.Empty(handler.Lost);
    }

    [Fact]
    public async Task A_notice_read_from_the_stream_then_published_is_applied_once()
    {
        var (lost, handler) = await StartAsync();
        string id = await AddAsync("other", "s", "bob");
        await lost.CatchUpAsync(Db, handler);
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["bob"], handler.Lost);
        Assert.False(lost.TakePublished(id));
    }

    [Fact]
    public async Task Entries_before_the_start_are_not_applied_later_ones_are()
    {
        await AddAsync("other", "s", "old");
        var (lost, handler) = await StartAsync();
        await lost.CatchUpAsync(Db, handler);
        Assert.Empty(handler.Lost);
        await AddAsync("other", "f", "new");
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["new"], handler.Lost);
    }

    [Fact]
    public async Task A_notice_names_the_lost_sessions_and_one_of_the_previous_version_names_none()
    {
        var (lost, handler) = await StartAsync();
        await Db.StreamAddAsync(_keys.Lost, [new("n", "other"), new("k", "s"), new("p", "[\"bob\",\"carol\"]"), new("s", "[\"s-1\",\"s-2\"]")]);
        await AddAsync("other", "s", "dave");
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["bob/s-1", "carol/s-2", "dave/"], handler.Sessions.Order());
    }

    [Fact]
    public async Task The_sweep_and_a_forgotten_session_record_and_publish_the_sessions_lost()
    {
        const string Dead = "node-dead";
        await Db.SetAddAsync(_keys.Nodes, [Dead, Me]);
        await Db.SetAddAsync(_keys.NodePeers(Dead), ["bob", "carol"]);
        await Db.HashSetAsync(_keys.Owner("bob"), [new HashEntry("node", Dead), new HashEntry("session", "s-bob")]);
        await Db.HashSetAsync(_keys.Owner("carol"), [new HashEntry("node", Dead), new HashEntry("session", "s-carol")]);
        var published = new List<string>();
        var channel = await _mux.GetSubscriber().SubscribeAsync(_keys.NodeChannel(Me));
        channel.OnMessage(m =>
        {
            lock (published)
            {
                published.Add(m.Message.ToString());
            }
        });
        await _mux.GetSubscriber().PingAsync();

        await Db.ScriptEvaluateAsync(RedisLivenessScripts.SweepDeadNode, [_keys.Nodes, _keys.Alive(Dead), _keys.NodePeers(Dead)], [Dead, _keys.Prefix, 0, Me]);
        await Db.HashSetAsync(_keys.Owner("dave"), [new HashEntry("node", "node-x"), new HashEntry("session", "s-dave")]);
        await Db.ScriptEvaluateAsync(RedisLivenessScripts.ForgetPeer, [_keys.Owner("dave"), _keys.PeerRooms("dave")], ["node-x", "s-dave", "dave", _keys.Prefix]);

        StreamEntry[] entries = await Db.StreamRangeAsync(_keys.Lost);
        Assert.Equal(2, entries.Length);
        Assert.Equal(["bob/s-bob", "carol/s-carol"], Recorded(entries[0]).Select(l => l.Peer.Value + "/" + l.SessionId).Order());
        Assert.Equal([new LostSession(new PeerId("dave"), "s-dave")], Recorded(entries[1]));
        string[] notices = [];
        for (int i = 0; i < 400 && notices.Length < 2; i++)
        {
            await Task.Delay(25);
            lock (published)
            {
                notices = [.. published];
            }
        }
        Assert.Equal(2, notices.Length);
        Assert.Equal(Recorded(entries[0]), NodeChannelMessage.TryParseLost(System.Text.Encoding.UTF8.GetBytes(notices[0]), out string? sweepId));
        Assert.Equal(entries[0].Id.ToString(), sweepId);
        Assert.Equal(Recorded(entries[1]), NodeChannelMessage.TryParseLost(System.Text.Encoding.UTF8.GetBytes(notices[1]), out _));
    }

    private static List<LostSession> Recorded(StreamEntry entry) =>
        NodeChannelMessage.ToLost(NodeChannelMessage.TryParsePeers(entry["p"].ToString())!, NodeChannelMessage.TryParsePeers(entry["s"].ToString()));

    [Fact]
    public async Task Two_catch_ups_at_once_apply_each_notice_once()
    {
        for (int round = 0; round < 20; round++)
        {
            var (lost, handler) = await StartAsync();
            for (int i = 0; i < 3; i++)
            {
                await AddAsync("other", "s", $"p{round}-{i}");
            }
            await Task.WhenAll(lost.CatchUpAsync(Db, handler), lost.CatchUpAsync(Db, handler), lost.CatchUpAsync(Db, handler));
            Assert.Equal([$"p{round}-0", $"p{round}-1", $"p{round}-2"], handler.Lost.Order());
        }
    }

    [Fact]
    public async Task A_sweep_of_this_node_is_skipped_a_forgotten_session_of_this_node_is_applied()
    {
        var (lost, handler) = await StartAsync();
        await AddAsync(Me, "s", "swept");
        await AddAsync(Me, "f", "forgotten");
        await AddAsync(Me, null, "legacy-sweep");
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["forgotten"], handler.Lost);
    }

    [Fact]
    public async Task After_the_stream_was_lost_new_entries_below_the_cursor_are_applied_once()
    {
        var (lost, handler) = await StartAsync();
        await AddAsync("other", "s", "before", "5000-0");
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["before"], handler.Lost);

        // The stream is lost and recreated with ids below this node's cursor (a server with a clock behind).
        await Db.KeyDeleteAsync(_keys.Lost);
        string below = await AddAsync("other", "s", "after", "3000-0");
        Assert.False(lost.TakePublished(below)); // at or below the cursor: refused live, so the stream read applies it
        await lost.CatchUpAsync(Db, handler);
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["before", "after"], handler.Lost);
        await AddAsync("other", "s", "later", "4000-0");
        await lost.CatchUpAsync(Db, handler);
        Assert.Equal(["before", "after", "later"], handler.Lost);
    }

    [Fact]
    public async Task A_sweep_whose_stream_append_fails_changes_nothing()
    {
        const string Dead = "node-dead";
        await Db.SetAddAsync(_keys.Nodes, [Dead, Me]);
        await Db.SetAddAsync(_keys.NodePeers(Dead), "bob");
        await Db.HashSetAsync(_keys.Owner("bob"), [new HashEntry("node", Dead), new HashEntry("session", "s1")]);
        await Db.SetAddAsync(_keys.PeerRooms("bob"), "r");
        await Db.HashSetAsync(_keys.Room("r"), "bob", "{}");
        await Db.StringSetAsync(_keys.Lost, "not a stream");

        await Assert.ThrowsAsync<RedisServerException>(() => Db.ScriptEvaluateAsync(
            RedisLivenessScripts.SweepDeadNode,
            [_keys.Nodes, _keys.Alive(Dead), _keys.NodePeers(Dead)],
            [Dead, _keys.Prefix, 0, Me]));

        Assert.True(await Db.SetContainsAsync(_keys.Nodes, Dead));
        Assert.Equal(Dead, (string?)await Db.HashGetAsync(_keys.Owner("bob"), "node"));
        Assert.True(await Db.HashExistsAsync(_keys.Room("r"), "bob"));
        Assert.True(await Db.SetContainsAsync(_keys.NodePeers(Dead), "bob"));
        Assert.False(await Db.KeyExistsAsync(_keys.Prefix + "swept:" + Dead));

        // Once the key is right again, the next sweep does it all.
        await Db.KeyDeleteAsync(_keys.Lost);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            RedisLivenessScripts.SweepDeadNode,
            [_keys.Nodes, _keys.Alive(Dead), _keys.NodePeers(Dead)],
            [Dead, _keys.Prefix, 0, Me]))!;
        Assert.Equal(["r", "bob"], ((RedisResult[])result[0]!).Select(r => r.ToString()));
        Assert.False(await Db.SetContainsAsync(_keys.Nodes, Dead));
        Assert.False(await Db.KeyExistsAsync(_keys.Owner("bob")));
        StreamEntry entry = Assert.Single(await Db.StreamRangeAsync(_keys.Lost));
        Assert.Equal(("s", Dead), (entry["k"].ToString(), entry["n"].ToString()));
    }

    private async Task<(RedisLostPeers Lost, RecordingHandler Handler)> StartAsync()
    {
        var lost = new RedisLostPeers(_keys, Me, NullLogger.Instance);
        await lost.StartAsync(Db);
        return (lost, new RecordingHandler());
    }

    private async Task<string> AddAsync(string node, string? kind, string peer, string id = "*")
    {
        NameValueEntry[] fields = kind is null
            ? [new("n", node), new("p", $"[\"{peer}\"]")]
            : [new("n", node), new("k", kind), new("p", $"[\"{peer}\"]")];
        return (await Db.StreamAddAsync(_keys.Lost, fields, id))!;
    }

    private sealed class RecordingHandler : IBackplaneHandler
    {
        private readonly List<string> _lost = [];

        public string[] Lost
        {
            get
            {
                lock (_lost)
                {
                    return [.. _lost];
                }
            }
        }

        private readonly List<string> _sessions = [];

        /// <summary>Each lost session as <c>peer/session</c> (nothing after the slash when the notice named none).</summary>
        public string[] Sessions
        {
            get
            {
                lock (_lost)
                {
                    return [.. _sessions];
                }
            }
        }

        public ValueTask OnSessionsLostAsync(IReadOnlyList<LostSession> lost)
        {
            lock (_lost)
            {
                _sessions.AddRange(lost.Select(l => l.Peer.Value + "/" + l.SessionId));
            }
            return OnPeersLostAsync([.. lost.Select(l => l.Peer)]);
        }

        public ValueTask OnPeersLostAsync(IReadOnlyList<PeerId> peers)
        {
            lock (_lost)
            {
                _lost.AddRange(peers.Select(p => p.Value));
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope) => ValueTask.FromResult(false);

        public ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId) => ValueTask.FromResult<ResumeState?>(null);

        public ValueTask OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost) => ValueTask.CompletedTask;

        public ValueTask OnPresenceRepairedAsync(PresenceRepair repair) => ValueTask.CompletedTask;

        public ValueTask OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers) => ValueTask.CompletedTask;

        public ValueTask OnInvitationsAdoptedAsync(IReadOnlyList<CallState> calls) => ValueTask.CompletedTask;
    }
}
