using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TCP + TLS server whose clients are read by a poller with no thread of its own (<see cref="StreamPoller.PollOnce"/>
/// on the test's thread, so every byte a client wrote is in the socket before the poll that reads it), a UDP peer on
/// 127.0.0.1, and <see cref="Time"/>, a clock that can be made to fail. Null <see cref="Create"/> off Linux x64.
/// </summary>
internal sealed class ManualPollRig : IAsyncDisposable
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly StreamPoller _poller;
    private readonly string _dir;

    private ManualPollRig(StreamPoller poller, TurnServer server, string dir, Socket peer, FailingTime time)
    {
        _poller = poller;
        Server = server;
        _dir = dir;
        Peer = peer;
        Time = time;
    }

    internal TurnServer Server { get; }

    internal StreamPollScratch Scratch { get; } = new();

    /// <summary>The UDP peer channel 0x4000 of <see cref="ConnectWhilePumpingAsync"/> clients is bound to (1 MiB receive buffer).</summary>
    internal Socket Peer { get; }

    internal FailingTime Time { get; }

    internal static async Task<ManualPollRig?> CreateAsync(string prefix, ILoggerFactory? loggers = null)
    {
        if (StreamPoller.CreateManual() is not { } poller)
        {
            return null; // not Linux x64: clients are read asynchronously (no poller to drive)
        }
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var time = new FailingTime();
        (TurnServer server, string dir) = await PolledStreamServer.StartAsync(poller, prefix, time, loggers);
        return new ManualPollRig(poller, server, dir, peer, time);
    }

    internal int PollOnce(int timeoutMs = 50) => _poller.PollOnce(timeoutMs, Scratch);

    /// <summary>Connects a client and binds channel 0x4000 to <see cref="Peer"/> while a pump thread drives the poller.</summary>
    internal Task<StreamTurnClient> ConnectWhilePumpingAsync(bool tls) => WhilePumpingAsync(async () =>
    {
        StreamTurnClient client = await StreamTurnClient.ConnectAsync(tls ? Server.TlsEndPoints[0] : Server.TcpEndPoints[0], tls);
        await client.AllocateAndBindAsync((IPEndPoint)Peer.LocalEndPoint!).WaitAsync(Patience);
        return client;
    });

    /// <summary>Runs <paramref name="setup"/> while a pump thread drives the poller (the setup is not what a test looks at).</summary>
    internal async Task<T> WhilePumpingAsync<T>(Func<Task<T>> setup)
    {
        using var pump = new CancellationTokenSource();
        Task pumping = Task.Factory.StartNew(() =>
        {
            while (!pump.Token.IsCancellationRequested)
            {
                _ = PollOnce(20);
            }
        }, TaskCreationOptions.LongRunning);
        try
        {
            return await setup();
        }
        finally
        {
            await pump.CancelAsync();
            await pumping;
        }
    }

    /// <summary>Drives the poller until the peer has <paramref name="count"/> datagrams; returns them in arrival order.</summary>
    internal List<byte[]> ReceiveWhilePolling(int count)
    {
        var received = new List<byte[]>();
        byte[] buffer = new byte[65536];
        var deadline = DateTime.UtcNow + Patience;
        while (received.Count < count)
        {
            _ = PollOnce();
            DrainPeer(received, buffer);
            Assert.True(DateTime.UtcNow < deadline, $"the peer got {received.Count} of {count} frames");
        }
        return received;
    }

    /// <summary>Drives the poller until the server holds no allocation; false after <see cref="Patience"/>.</summary>
    internal bool PollUntilNoAllocation()
    {
        var deadline = DateTime.UtcNow + Patience;
        while (Server.State!.Allocations.All.Any())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            _ = PollOnce();
        }
        return true;
    }

    /// <summary>What the peer holds now, after a short wait for stragglers (loopback delivers at once; this only adds margin).</summary>
    internal List<byte[]> PeerDatagrams()
    {
        var received = new List<byte[]>();
        byte[] buffer = new byte[65536];
        while (Peer.Poll(200_000, SelectMode.SelectRead))
        {
            DrainPeer(received, buffer);
        }
        return received;
    }

    private void DrainPeer(List<byte[]> received, byte[] buffer)
    {
        while (Peer.Poll(0, SelectMode.SelectRead))
        {
            int n = Peer.Receive(buffer);
            received.Add(buffer[..n]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Peer.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
        Scratch.Dispose();
    }

    /// <summary>The system clock, except that the <see cref="Arm"/>ed thread's n-th timestamp read throws (once).</summary>
    internal sealed class FailingTime : TimeProvider
    {
        private int _thread;
        private int _left;

        /// <summary>The <paramref name="calls"/>-th <see cref="GetTimestamp"/> on the calling thread throws <see cref="InvalidOperationException"/>.</summary>
        internal void Arm(int calls)
        {
            _left = calls;
            Volatile.Write(ref _thread, Environment.CurrentManagedThreadId);
        }

        internal bool Fired { get; private set; }

        public override long GetTimestamp()
        {
            if (Volatile.Read(ref _thread) == Environment.CurrentManagedThreadId && --_left == 0)
            {
                _thread = 0;
                Fired = true;
                throw new InvalidOperationException("a processing failure the test asked for");
            }
            return base.GetTimestamp();
        }
    }
}
