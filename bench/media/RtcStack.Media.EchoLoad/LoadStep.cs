using System.Diagnostics;
using RtcStack.Dtls;

namespace RtcStack.Media.EchoLoad;

/// <summary>
/// One step: a fresh server process, N peers connected (ICE + DTLS + SRTP), every peer sending 50 audio
/// (160 B) + 50 video (1,100 B) RTP packets per second from one pacing thread, a warm-up, a measured window
/// (echoed packets, server CPU from /proc, our own CPU), then a drain to count late echoes for the loss.
/// </summary>
internal static class LoadStep
{
    private const int ConnectConcurrency = 16;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    public static async Task<StepResult> RunAsync(int peers, double warmupSeconds, double measureSeconds, int? serverCpu = null, int? serverNice = null)
    {
        var loadBefore = ProcStat.LoadAverage();
        await using var server = await ServerProcess.StartAsync(serverCpu, serverNice).ConfigureAwait(false);
        var certificate = DtlsCertificate.Generate();
        var all = new List<SyntheticPeer>();
        var connected = new List<SyntheticPeer>();
        var connectWatch = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(ConnectConcurrency))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            var tasks = Enumerable.Range(0, peers).Select(async _ =>
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    var peer = new SyntheticPeer(certificate);
                    lock (all)
                    {
                        all.Add(peer);
                    }
                    var ok = await peer.ConnectAsync(await server.AnswerAsync(peer.Offer()).ConfigureAwait(false), timeout.Token).ConfigureAwait(false);
                    if (ok)
                    {
                        lock (connected)
                        {
                            connected.Add(peer);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // counted as not connected
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        var connectSeconds = connectWatch.Elapsed.TotalSeconds;

        long sent = 0;
        var sending = true;
        var sender = new Thread(() =>
        {
            var buffer = new byte[1500];
            var clock = Stopwatch.StartNew();
            long tick = 0;
            while (Volatile.Read(ref sending))
            {
                var due = Tick * tick;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }
                foreach (var peer in connected)
                {
                    Interlocked.Add(ref sent, peer.SendMedia(buffer, video: true));
                }
                tick++;
            }
        }) { IsBackground = true, Name = "echo-load sender" };
        sender.Start();

        await Task.Delay(TimeSpan.FromSeconds(warmupSeconds)).ConfigureAwait(false);
        var self = Process.GetCurrentProcess();
        var watch = Stopwatch.StartNew();
        var udpErrors0 = ProcStat.UdpReceiveBufferErrors();
        var sent0 = Interlocked.Read(ref sent);
        var received0 = connected.Sum(p => p.Received);
        var serverCpu0 = server.CpuSeconds();
        var serverWait0 = ProcStat.RunQueueWaitSeconds(server.Pid);
        self.Refresh();
        var selfCpu0 = self.TotalProcessorTime.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(measureSeconds)).ConfigureAwait(false);
        var serverCpu1 = server.CpuSeconds();
        var serverWait1 = ProcStat.RunQueueWaitSeconds(server.Pid);
        self.Refresh();
        var selfCpu1 = self.TotalProcessorTime.TotalSeconds;
        var received1 = connected.Sum(p => p.Received);
        var sent1 = Interlocked.Read(ref sent);
        var elapsed = watch.Elapsed.TotalSeconds;
        Volatile.Write(ref sending, false);
        sender.Join();
        await Task.Delay(TimeSpan.FromSeconds(1.5)).ConfigureAwait(false);
        var totalSent = Interlocked.Read(ref sent);
        var totalReceived = connected.Sum(p => p.Received);
        var udpErrors = ProcStat.UdpReceiveBufferErrors() - udpErrors0;
        var serverStats = await server.StatsAsync().ConfigureAwait(false);
        var bad = connected.Sum(p => p.Bad);
        var loadAfter = ProcStat.LoadAverage();
        foreach (var peer in all)
        {
            await peer.DisposeAsync().ConfigureAwait(false);
        }
        self.Dispose();
        return new StepResult
        {
            Peers = peers,
            Connected = connected.Count,
            ConnectSeconds = connectSeconds,
            MeasureSeconds = elapsed,
            SentPerSecond = (sent1 - sent0) / elapsed,
            EchoedPerSecond = (received1 - received0) / elapsed,
            EchoedInWindow = received1 - received0,
            TotalSent = totalSent,
            TotalReceived = totalReceived,
            Bad = bad,
            ServerReceived = serverStats.Received,
            ServerSent = serverStats.Sent,
            ServerDropped = serverStats.Dropped,
            UdpReceiveBufferErrors = udpErrors,
            ServerCpuSeconds = serverCpu1 - serverCpu0,
            ServerRunQueueWaitSeconds = serverWait1 - serverWait0,
            PeerCpuSeconds = selfCpu1 - selfCpu0,
            LoadBefore = loadBefore,
            LoadAfter = loadAfter,
        };
    }
}
