using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>
/// The relay registries of the pollers: a relay whose drain throws every time is taken off its thread and its allocation
/// closed after <see cref="UdpRelay.MaxConsecutiveFailures"/> failures in a row (level-triggered, it would otherwise spin
/// the thread); a removed relay is never found again, not even through a slot array read before it grew; a stopped stream
/// poller leaves nothing holding its closed epoll fd numbers. Linux x64 only (elsewhere relays have their own loops).
/// </summary>
public sealed class RelayPollerFailureTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestHarness _h = new();
    private readonly ThrowingSink _client = new();
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private FiveTuple _tuple;
    private Allocation _allocation = null!;

    public Task InitializeAsync()
    {
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var peer = TransportAddress.FromEndPoint((IPEndPoint)_peer.LocalEndPoint!);
        var c = new TestClient();
        _tuple = _h.Tuple();
        c.Challenge(_h, _tuple);
        _h.Send(c.Build(StunMethod.Allocate, TestClient.RequestUdp), _tuple, _client);
        Assert.True(_h.State.Allocations.TryGet(_tuple, out _allocation));
        Assert.Equal(0, Answer.ErrorCode(_h.Send(c.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorPeerAddress(peer)), _tuple)));
        _client.Armed = true; // from now on every datagram relayed to the client throws
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task A_relay_failing_on_the_relay_poller_is_taken_off_and_its_allocation_closed()
    {
        if (_h.State.Poller is null || _allocation.Relay!.PollFd < 0)
        {
            return; // not Linux x64: the relay has its own receive loop
        }
        EndPoint target = _allocation.Relay.Socket.LocalEndPoint!;
        for (int i = 1; i <= UdpRelay.MaxConsecutiveFailures; i++)
        {
            Assert.True(_h.State.Allocations.TryGet(_tuple, out _), $"closed after {i - 1} failures");
            _peer.SendTo([1, 2, 3, (byte)i], target);
            await WaitAsync(() => Volatile.Read(ref _client.Throws) >= i); // one datagram, one failed drain
        }
        await WaitAsync(() => !_h.State.Allocations.TryGet(_tuple, out _));
        await WaitAsync(() => _allocation.Relay.PollFd < 0);
    }

    [Fact]
    public Task A_relay_failing_on_a_stream_poller_thread_is_taken_off_after_a_run_of_failures_and_its_allocation_closed() => OnManualPollerAsync((poller, scratch, socket, relay) =>
    {
        for (int i = 1; i <= UdpRelay.MaxConsecutiveFailures; i++)
        {
            Assert.True(relay.PollFd >= 0, $"taken off after {i - 1} failures");
            Assert.True(_h.State.Allocations.TryGet(_tuple, out _), $"closed after {i - 1} failures");
            _peer.SendTo([1, 2, 3, (byte)i], socket.LocalEndPoint!);
            for (var until = DateTime.UtcNow + Patience; _client.Throws < i && DateTime.UtcNow < until;)
            {
                _ = poller.PollOnce(1000, scratch);
            }
            Assert.Equal(i, _client.Throws);
        }
        Assert.Equal(-1, relay.PollFd);
        Assert.False(_h.State.Allocations.TryGet(_tuple, out _));
        _peer.SendTo([9], socket.LocalEndPoint!);
        Assert.Equal(0, poller.PollOnce(100, scratch)); // off the epoll set: nothing reported, nothing drained
        Assert.Equal(UdpRelay.MaxConsecutiveFailures, _client.Throws);
    });

    [Fact]
    public Task A_successful_drain_ends_a_run_of_failures() => OnManualPollerAsync((poller, scratch, socket, relay) =>
    {
        for (int i = 1; i < 3 * UdpRelay.MaxConsecutiveFailures; i++)
        {
            Assert.True(relay.PollFd >= 0, $"taken off at datagram {i}");
            _client.Armed = i % (UdpRelay.MaxConsecutiveFailures - 1) != 0; // a success before each run reaches the limit
            int delivered = _client.Delivered;
            int throws = _client.Throws;
            _peer.SendTo([1, (byte)i], socket.LocalEndPoint!);
            for (var until = DateTime.UtcNow + Patience; _client.Delivered == delivered && _client.Throws == throws && DateTime.UtcNow < until;)
            {
                _ = poller.PollOnce(1000, scratch);
            }
        }
        Assert.True(relay.PollFd >= 0);
        Assert.True(_h.State.Allocations.TryGet(_tuple, out _));
        Assert.True(_client.Throws >= 2 * UdpRelay.MaxConsecutiveFailures, $"{_client.Throws} failures");
    });

    /// <summary>
    /// Runs <paramref name="test"/> with a relay of the allocation registered on a poller driven by the test's thread
    /// (nothing off Linux x64); stops the poller and closes the relay after.
    /// </summary>
    private async Task OnManualPollerAsync(Action<StreamPoller, StreamPollScratch, Socket, UdpRelay> test)
    {
        StreamPoller? poller = StreamPoller.CreateManual();
        if (poller is null)
        {
            return;
        }
        using var scratch = new StreamPollScratch();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var relay = new UdpRelay(socket, new RelayPortPool(IPAddress.Loopback, 50000, 50001));
        try
        {
            relay.Attach(_allocation, _h.State.PeerRelay, _h.State);
            Assert.True(poller.AddRelay(relay, poller.FirstEpoll));
            test(poller, scratch, socket, relay);
        }
        finally
        {
            poller.Stop();
            await relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_removed_relay_is_not_found_even_in_a_slot_array_read_before_it_grew()
    {
        var slots = new RelaySlots();
        var sockets = new List<Socket>();
        var relays = new List<UdpRelay>();
        var data = new List<ulong>();
        try
        {
            UdpRelay?[] old = slots.Current;
            for (int i = 0; i <= old.Length; i++) // one more than fits: the array grows
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                relays.Add(new UdpRelay(socket, new RelayPortPool(IPAddress.Loopback, 50000, 50001)));
                data.Add(slots.Add(relays[i]));
                if (i == old.Length - 1)
                {
                    old = slots.Current; // full, read by a lookup that has not finished when the next Add grows it
                }
            }
            Assert.NotSame(old, slots.Current);
            Assert.True(slots.Remove(relays[3]));
            Assert.Null(slots.Find(data[3]));
            Assert.Null(RelaySlots.Find(old, data[3]));
            Assert.Same(relays[4], RelaySlots.Find(old, data[4]));
            Assert.Same(relays[^1], slots.Find(data[^1]));
            ulong reused = slots.Add(relays[3]); // the same slot, a new generation
            Assert.Null(slots.Find(data[3]));
            Assert.Same(relays[3], slots.Find(reused));
        }
        finally
        {
            foreach (UdpRelay relay in relays)
            {
                await relay.DisposeAsync();
            }
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_stopped_stream_poller_leaves_no_relay_holding_its_closed_epoll_fd()
    {
        StreamPoller? poller = StreamPoller.CreateThreaded(1);
        if (poller is null)
        {
            return;
        }
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var relay = new UdpRelay(socket, new RelayPortPool(IPAddress.Loopback, 50000, 50001));
        try
        {
            relay.Attach(_allocation, _h.State.PeerRelay);
            Assert.True(poller.AddRelay(relay, poller.FirstEpoll));
            Assert.Equal(poller.FirstEpoll, relay.PollFd);
            poller.Stop();
            Assert.Equal(-1, relay.PollFd);
            Assert.Equal(0u, relay.PollGeneration);
            poller.RemoveRelay(relay); // nothing left to remove: no EPOLL_CTL_DEL on the closed fd number
            Assert.False(poller.AddRelay(relay, poller.FirstEpoll));
            poller.Stop(); // idempotent
        }
        finally
        {
            poller.Stop();
            await relay.DisposeAsync();
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var until = DateTime.UtcNow + Patience; !condition(); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < until, "condition not met in time");
        }
    }

    /// <summary>A client that throws on every datagram relayed to it once armed (a drain that fails every time).</summary>
    private sealed class ThrowingSink : IClientEndpoint
    {
        public volatile bool Armed;
        public int Throws;
        public int Delivered;

        public bool IsStream => false;

        public void Send(ReadOnlySpan<byte> message)
        {
            if (!Armed)
            {
                Delivered++;
                return;
            }
            Interlocked.Increment(ref Throws);
            throw new InvalidOperationException("client sink failing (test)");
        }

        public IClientSink Persist() => this;
    }
}
