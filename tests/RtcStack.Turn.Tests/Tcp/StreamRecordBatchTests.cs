using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TLS client that writes one ChannelData frame per record (as browsers and coturn's clients do): the records that one
/// wake-up of the poller thread reads are decrypted one after the other and their frames go to the peer in one sendmmsg
/// (before, each record's frames were flushed alone: one system call per frame; now at most 32 records wait for
/// processing); every frame arrives, in order, whole,
/// with its padding removed, also right before a close_notify. Plain TCP for comparison. A server whose poller has no
/// thread of its own is driven on the test's thread (<see cref="StreamPoller.PollOnce"/>), so the bytes the client
/// wrote are all in the socket before the poll that reads them. Real sockets on 127.0.0.1.
/// </summary>
public sealed class StreamRecordBatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly StreamPoller? _poller = StreamPoller.CreateManual();
    private readonly StreamPollScratch _scratch = new();
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private string _dir = "";
    private TurnServer? _server;

    public async Task InitializeAsync()
    {
        if (_poller is null)
        {
            return; // not Linux x64: clients are read asynchronously (no poller to drive)
        }
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        (_server, _dir) = await PolledStreamServer.StartAsync(_poller, "rtcstack-turn-recordbatch");
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
        _scratch.Dispose();
    }

    [Theory]
    [InlineData(true, 24)]
    [InlineData(true, 80)] // processed 32 records at a time: still a few sendmmsg, every frame in order
    [InlineData(false, 24)]
    public async Task Frames_of_many_records_read_in_one_wake_up_leave_in_one_send_call(bool tls, int count)
    {
        if (_poller is null || _server is null)
        {
            return;
        }
        StreamTurnClient client = await ConnectWhilePumpingAsync(_server, tls);
        await using (client)
        {
            byte[][] payloads = Payloads(count);
            foreach (byte[] payload in payloads)
            {
                client.Stream.Write(StreamTurnClient.ChannelData(payload)); // one record each
            }
            client.Stream.Flush();
            SendBatch sends = _scratch.Ingress.PeerSends!;
            long before = sends.DatagramFlushes;
            List<byte[]> received = ReceiveWhilePolling(payloads.Length);
            long flushes = sends.DatagramFlushes - before;

            Assert.Equal(payloads, received);
            Assert.True(flushes <= 2 + (count / 32), $"{flushes} sendmmsg flushes for {count} frames"); // one per frame before
        }
    }

    [Fact]
    public async Task Frames_in_the_records_before_a_close_notify_are_all_relayed()
    {
        if (_poller is null || _server is null)
        {
            return;
        }
        StreamTurnClient client = await ConnectWhilePumpingAsync(_server, tls: true);
        await using (client)
        {
            byte[][] payloads = Payloads(5);
            foreach (byte[] payload in payloads)
            {
                client.Stream.Write(StreamTurnClient.ChannelData(payload));
            }
            await ((SslStream)client.Stream).ShutdownAsync(); // close_notify right behind them: one wake-up reads all

            Assert.Equal(payloads, ReceiveWhilePolling(payloads.Length));
            Assert.True(PollUntilGone(_server), "the allocation outlived the connection's close_notify");
        }
    }

    /// <summary>Payloads of odd and even lengths (so ChannelData carry 0-3 bytes of padding), each starting with its index.</summary>
    private static byte[][] Payloads(int count)
    {
        var payloads = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            payloads[i] = new byte[37 + (i * 13 % 700)];
            Random.Shared.NextBytes(payloads[i]);
            payloads[i][0] = (byte)i;
        }
        return payloads;
    }

    /// <summary>Drives the poller until the peer has <paramref name="count"/> datagrams; returns them in arrival order.</summary>
    private List<byte[]> ReceiveWhilePolling(int count)
    {
        var received = new List<byte[]>();
        byte[] buffer = new byte[2048];
        var deadline = DateTime.UtcNow + Patience;
        while (received.Count < count)
        {
            _ = _poller!.PollOnce(50, _scratch);
            while (_peer.Poll(0, SelectMode.SelectRead))
            {
                int n = _peer.Receive(buffer);
                received.Add(buffer[..n]);
            }
            Assert.True(DateTime.UtcNow < deadline, $"the peer got {received.Count} of {count} frames");
        }
        return received;
    }

    private bool PollUntilGone(TurnServer server)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (server.State!.Allocations.All.Any())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            _ = _poller!.PollOnce(50, _scratch);
        }
        return true;
    }

    /// <summary>Connects a client and binds a channel to the peer while a pump thread drives the poller (the setup is not measured).</summary>
    private async Task<StreamTurnClient> ConnectWhilePumpingAsync(TurnServer server, bool tls)
    {
        using var pump = new CancellationTokenSource();
        Task pumping = Task.Factory.StartNew(() => Pump(pump.Token), TaskCreationOptions.LongRunning);
        try
        {
            StreamTurnClient client = await StreamTurnClient.ConnectAsync(tls ? server.TlsEndPoints[0] : server.TcpEndPoints[0], tls);
            await client.AllocateAndBindAsync((IPEndPoint)_peer.LocalEndPoint!).WaitAsync(Patience);
            return client;
        }
        finally
        {
            await pump.CancelAsync();
            await pumping;
        }
    }

    private void Pump(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            _ = _poller!.PollOnce(20, _scratch);
        }
    }
}
