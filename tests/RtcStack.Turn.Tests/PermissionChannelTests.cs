using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;

namespace RtcStack.Turn.Tests;

public class PermissionChannelTests
{
    private static TransportAddress Peer(string endPoint) => TransportAddress.FromEndPoint(IPEndPoint.Parse(endPoint));

    private static (TestClient Client, FiveTuple Tuple) Allocate(TestHarness h, int port = 40000, TestClient? client = null)
    {
        client ??= new TestClient();
        FiveTuple tuple = h.Tuple(port);
        client.Challenge(h, tuple);
        Assert.Equal(0, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), tuple)));
        return (client, tuple);
    }

    private static byte[] CreatePermission(TestClient c, params TransportAddress[] peers) =>
        c.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) =>
        {
            foreach (TransportAddress p in peers)
            {
                w.AddXorPeerAddress(p);
            }
        });

    private static byte[] ChannelBind(TestClient c, ushort number, TransportAddress peer) =>
        c.Build(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddChannelNumber(number);
            w.AddXorPeerAddress(peer);
        });

    [Theory]
    [InlineData("127.0.0.1:9", 0)]          // allowed explicitly by the harness
    [InlineData("10.0.0.1:9", 403)]         // RFC 1918
    [InlineData("169.254.169.254:80", 403)] // link-local / cloud metadata
    [InlineData("127.0.0.2:9", 403)]        // loopback not opened
    [InlineData("[::ffff:10.0.0.1]:9", 403)]
    [InlineData("[::ffff:127.0.0.1]:9", 0)] // mapped spelling of an allowed address
    [InlineData("[2001:4860::1]:9", 443)]   // IPv6 peer on an IPv4 allocation
    [InlineData("8.8.8.8:53", 0)]
    public async Task Create_permission_applies_family_and_policy(string peer, int expected)
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        Assert.Equal(expected, Answer.ErrorCode(h.Send(CreatePermission(c, Peer(peer)), t)));
    }

    [Fact]
    public async Task Create_permission_is_all_or_nothing_and_needs_a_peer()
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        Assert.Equal(403, Answer.ErrorCode(h.Send(CreatePermission(c, Peer("8.8.8.8:1"), Peer("10.0.0.1:1")), t)));
        h.State.Allocations.TryGet(t, out Allocation a);
        Assert.False(a.HasPermission(Peer("8.8.8.8:1"), h.Time.GetTimestamp()));
        Assert.Equal(400, Answer.ErrorCode(h.Send(CreatePermission(c), t)));
    }

    [Fact]
    public async Task Requests_without_allocation_get_437_and_another_user_gets_441()
    {
        await using var h = new TestHarness();
        var c = new TestClient();
        c.Challenge(h, h.Tuple());
        Assert.Equal(437, Answer.ErrorCode(h.Send(CreatePermission(c, Peer("8.8.8.8:1")))));
        Assert.Equal(437, Answer.ErrorCode(h.Send(c.Build(StunMethod.Refresh))));
        (TestClient alice, FiveTuple t) = Allocate(h, 40005);
        var bob = new TestClient("bob", "bob-pw") { Nonce = alice.Nonce };
        Assert.Equal(441, Answer.ErrorCode(h.Send(bob.Build(StunMethod.Refresh), t)));
    }

    [Fact]
    public async Task Permission_expires_after_300_seconds_and_refresh_extends_it()
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        Assert.Equal(0, Answer.ErrorCode(h.Send(Refresh(c, 3600), t)));
        Assert.Equal(0, Answer.ErrorCode(h.Send(CreatePermission(c, Peer("8.8.8.8:1")), t)));
        h.State.Allocations.TryGet(t, out Allocation a);
        h.Time.Advance(TimeSpan.FromSeconds(299));
        Assert.True(a.HasPermission(Peer("8.8.8.8:7777"), h.Time.GetTimestamp())); // port is ignored
        Assert.Equal(0, Answer.ErrorCode(h.Send(CreatePermission(c, Peer("8.8.8.8:1")), t)));
        h.Time.Advance(TimeSpan.FromSeconds(299));
        Assert.True(a.HasPermission(Peer("8.8.8.8:1"), h.Time.GetTimestamp()));
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(a.HasPermission(Peer("8.8.8.8:1"), h.Time.GetTimestamp()));
        h.State.Allocations.Sweep(h.Time.GetTimestamp(), h.State.Ticks(300));
        Assert.Equal(0, a.PermissionCount);
    }

    [Fact]
    public async Task Channel_bind_rules_and_600_second_lifetime_with_cooldown()
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        TransportAddress p1 = Peer("8.8.8.8:1000"), p2 = Peer("8.8.4.4:1000");
        Assert.Equal(0, Answer.ErrorCode(h.Send(Refresh(c, 3600), t)));
        Assert.Equal(400, Answer.ErrorCode(h.Send(ChannelBind(c, 0x3FFF, p1), t)));
        Assert.Equal(400, Answer.ErrorCode(h.Send(ChannelBind(c, 0x8000, p1), t)));
        Assert.Equal(403, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, Peer("192.168.1.1:1")), t)));
        Assert.Equal(0, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, p1), t)));
        Assert.Equal(0, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, p1), t)));   // refresh
        Assert.Equal(400, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, p2), t))); // number taken
        Assert.Equal(400, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4001, p1), t))); // peer taken
        Assert.Equal(0, Answer.ErrorCode(h.Send(ChannelBind(c, 0x7FFF, p2), t)));   // RFC 5766 range, coturn clients
        h.State.Allocations.TryGet(t, out Allocation a);
        Assert.True(a.HasPermission(p1, h.Time.GetTimestamp())); // ChannelBind installs the permission
        h.Time.Advance(TimeSpan.FromSeconds(601));
        Assert.Null(a.FindChannel(0x4000, h.Time.GetTimestamp()));
        h.State.Allocations.Sweep(h.Time.GetTimestamp(), h.State.Ticks(ChannelBinding.CooldownSeconds));
        c.Challenge(h, t); // the nonce is 600 s old: get a fresh one
        Assert.Equal(400, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, p2), t))); // still cooling down
        h.Time.Advance(TimeSpan.FromSeconds(300));
        h.State.Allocations.Sweep(h.Time.GetTimestamp(), h.State.Ticks(ChannelBinding.CooldownSeconds));
        Assert.Equal(0, a.ChannelCount);
        Assert.Equal(0, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4000, p2), t)));
    }

    private static byte[] Refresh(TestClient c, uint lifetime) =>
        c.Build(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddLifetime(lifetime));

    [Fact]
    public async Task Refresh_extends_caps_and_lifetime_zero_deletes()
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        byte[] response = h.Send(Refresh(c, 99999), t)!;
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Assert.True(reader.TryGetLifetime(out uint granted));
        Assert.Equal(3600u, granted);
        Assert.True(reader.VerifyMessageIntegrity(c.Key));
        byte[] delete = Refresh(c, 0);
        byte[] deleted = h.Send(delete, t)!;
        Assert.Equal(0, Answer.ErrorCode(deleted));
        Assert.Equal(0, h.Server.ActiveAllocations);
        Assert.Equal(deleted, h.Send(delete, t)); // retransmission: same answer from the cache
        Assert.Equal(437, Answer.ErrorCode(h.Send(Refresh(c, 0), t)));
    }

    [Fact]
    public async Task Allocation_expires_at_its_lifetime()
    {
        await using var h = new TestHarness();
        Allocate(h);
        h.Time.Advance(TimeSpan.FromSeconds(599));
        Assert.Empty(h.State.Allocations.Sweep(h.Time.GetTimestamp(), 0));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(h.State.Allocations.Sweep(h.Time.GetTimestamp(), 0));
        Assert.Equal(0, h.Server.ActiveAllocations);
        Assert.Equal(0, h.State.Allocations.CountForUser(TestHarness.User));
    }

    [Fact]
    public async Task Send_indication_and_channel_data_reach_the_peer_only_with_permission()
    {
        await using var h = new TestHarness();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        peer.ReceiveTimeout = 5000;
        TransportAddress peerAddress = TransportAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!);
        (TestClient c, FiveTuple t) = Allocate(h);
        byte[] send = c.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.AddXorPeerAddress(peerAddress);
            w.AddData("hello"u8);
        }, sign: false, cls: StunClass.Indication);
        Assert.Null(h.Send(send, t)); // no permission: dropped silently
        Assert.Equal(0, Answer.ErrorCode(h.Send(ChannelBind(c, 0x4001, peerAddress), t)));
        Assert.Null(h.Send(send, t));
        var buffer = new byte[100];
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, peer.Receive(buffer)));
        h.Send([0x40, 0x01, 0x00, 0x03, (byte)'a', (byte)'b', (byte)'c', 0], t);
        Assert.Equal("abc", System.Text.Encoding.ASCII.GetString(buffer, 0, peer.Receive(buffer)));
        Assert.Equal(2, h.State.Metrics.PacketsToPeer);
    }

    [Fact]
    public async Task Permissions_per_allocation_are_bounded()
    {
        await using var h = new TestHarness();
        (TestClient c, FiveTuple t) = Allocate(h);
        int ok = 0;
        int last = 0;
        for (int i = 0; i < Allocation.MaxPermissions + 5; i++)
        {
            var peer = TransportAddress.FromIPv4(0x08000000u + (uint)i, 1);
            last = Answer.ErrorCode(h.Send(CreatePermission(c, peer), t));
            ok += last == 0 ? 1 : 0;
        }
        Assert.Equal(Allocation.MaxPermissions, ok);
        Assert.Equal(508, last);
    }
}
