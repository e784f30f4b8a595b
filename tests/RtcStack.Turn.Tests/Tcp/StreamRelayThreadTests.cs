using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The relay socket of a TCP/TLS client's allocation is served by the stream poller thread that reads the client
/// connection (one epoll set for both): peers' answers reach the client, with many clients spread over several threads;
/// closing the client connection or expiring the allocation takes the relay off that thread, and the thread goes on
/// serving the others. A poller with three threads of its own; real sockets on 127.0.0.1, generous timeouts only.
/// </summary>
public sealed class StreamRelayThreadTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly StreamPoller? _poller = StreamPoller.CreateThreaded(3);
    private readonly SteppedTime _time = new();
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private string _dir = "";
    private TurnServer? _server;

    public async Task InitializeAsync()
    {
        if (_poller is null)
        {
            return; // not Linux x64: clients are read asynchronously and relays have their own loops
        }
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        (_server, _dir) = await PolledStreamServer.StartAsync(_poller, "rtcstack-turn-relaythread", _time);
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
        _poller?.Stop();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Many_clients_across_threads_each_get_the_peer_answers_from_their_connection_thread(bool tls)
    {
        if (_server is null)
        {
            return;
        }
        var clients = new List<StreamTurnClient>();
        try
        {
            for (int i = 0; i < 6; i++)
            {
                clients.Add(await ConnectAndAllocateAsync(tls));
            }
            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < clients.Count; i++)
                {
                    await EchoAsync(clients[i], [(byte)i, (byte)round, 7, 7, 7]);
                }
            }
            Allocation[] allocations = [.. _server.State!.Allocations.All];
            Assert.Equal(6, allocations.Length);
            foreach (Allocation allocation in allocations)
            {
                Assert.Equal(ReaderEpoll(allocation), allocation.Relay!.PollFd); // the connection's thread serves its relay
            }
            Assert.Equal(3, allocations.Select(a => a.Relay!.PollFd).Distinct().Count()); // spread over the three threads
        }
        finally
        {
            foreach (StreamTurnClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Closing_a_client_takes_its_relay_off_the_thread_and_the_others_keep_relaying(bool tls)
    {
        if (_server is null)
        {
            return;
        }
        await using StreamTurnClient staying = await ConnectAndAllocateAsync(tls);
        UdpRelay stays = _server.State!.Allocations.All.Single().Relay!;
        StreamTurnClient leaving = await ConnectAndAllocateAsync(tls);
        UdpRelay relay;
        await using (leaving)
        {
            await EchoAsync(leaving, [1, 2, 3]);
            relay = _server.State.Allocations.All.Select(a => a.Relay!).Single(r => r != stays);
        }
        await WaitAsync(() => _server.ActiveAllocations == 1);
        await WaitAsync(() => relay.PollFd == -1);
        _peer.SendTo([9, 9, 9], relay.LocalAddress.ToEndPoint()); // to a closed relay port: nothing to serve, nothing breaks
        for (int i = 0; i < 5; i++)
        {
            await EchoAsync(staying, [4, 5, (byte)i]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_expired_allocation_leaves_the_thread_and_its_connection_allocates_and_relays_again(bool tls)
    {
        if (_server is null)
        {
            return;
        }
        await using StreamTurnClient client = await ConnectAndAllocateAsync(tls);
        await EchoAsync(client, [1, 1]);
        UdpRelay relay = _server.State!.Allocations.All.Single().Relay!;
        _time.Advance(TimeSpan.FromHours(2)); // past the longest lifetime: the next sweep closes it
        await WaitAsync(() => _server.ActiveAllocations == 0);
        await WaitAsync(() => relay.PollFd == -1);
        await client.AllocateAndBindAsync((IPEndPoint)_peer.LocalEndPoint!).WaitAsync(Patience);
        UdpRelay again = _server.State.Allocations.All.Single().Relay!;
        Assert.Equal(ReaderEpoll(_server.State.Allocations.All.Single()), again.PollFd);
        await EchoAsync(client, [2, 2]);
    }

    private async Task<StreamTurnClient> ConnectAndAllocateAsync(bool tls)
    {
        StreamTurnClient client = await StreamTurnClient.ConnectAsync(tls ? _server!.TlsEndPoints[0] : _server!.TcpEndPoints[0], tls);
        await client.AllocateAndBindAsync((IPEndPoint)_peer.LocalEndPoint!).WaitAsync(Patience);
        return client;
    }

    /// <summary>ChannelData to the peer; the peer (this test) answers to where it came from; the client must get it back.</summary>
    private async Task EchoAsync(StreamTurnClient client, byte[] payload)
    {
        await client.SendAsync(StreamTurnClient.ChannelData(payload));
        byte[] received = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        using var timeout = new CancellationTokenSource(Patience);
        SocketReceiveFromResult got = await _peer.ReceiveFromAsync(received, SocketFlags.None, from, timeout.Token);
        Assert.Equal(payload, received[..got.ReceivedBytes]);
        await _peer.SendToAsync(received.AsMemory(0, got.ReceivedBytes), SocketFlags.None, got.RemoteEndPoint);
        while (true)
        {
            (bool channelData, byte[] bytes) = await client.ReadFrameAsync();
            if (channelData)
            {
                Assert.Equal(payload, bytes);
                return;
            }
        }
    }

    private static int ReaderEpoll(Allocation allocation) => ((StreamConnection)allocation.Client).PollReader!.PollFd;

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not get there in time");
            await Task.Delay(20);
        }
    }
}
