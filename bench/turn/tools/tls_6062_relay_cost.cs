// RFC 6062 over TLS, client to peer: CPU of the whole test process (client encryption + server relay) per message for
// 40,000 messages of 1000 or 100 bytes, one TLS record each, written back to back by a .NET SslStream client on a bound
// TLS data connection (ManualPollRig server, relay on .NET's sockets after the ConnectionBind). Not a CI test (it times):
// copy it into tests/RtcStack.Turn.Tests/Tcp/, build, then for each build to compare copy its RtcStack.Turn.dll over
// tests/RtcStack.Turn.Tests/bin/Release/net10.0/ and run
//   TAG=name unshare -rn sh -c 'ip link set lo up; dotnet test -c Release --no-build --filter FullyQualifiedName~TlsRelayCostMeasure'
// interleaving the builds; each run appends a line per size to /tmp/tls-6062-relay-cost.txt. Remove the file after.
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Tcp;

public sealed class TlsRelayCostMeasure : IAsyncLifetime
{
    private ManualPollRig? _rig;

    public async Task InitializeAsync() => _rig = await ManualPollRig.CreateAsync("rtcstack-turn-relaycost");

    public async Task DisposeAsync() => await _rig!.DisposeAsync();

    [Theory]
    [InlineData(1000)]
    [InlineData(100)]
    public async Task Measure(int size)
    {
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient control = await TcpTurnClient.ConnectAsync(_rig!.Server.TcpEndPoints[0]);
        (TcpClient tcp, SslStream data, uint id) = await _rig.WhilePumpingAsync(async () =>
        {
            Assert.Equal(0, Answer.ErrorCode(await control.AllocateAsync()));
            byte[] connected = await control.ConnectPeerAsync(peer.EndPoint);
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(_rig.Server.TlsEndPoints[0]);
            var data = new SslStream(tcp.GetStream(), true, (_, _, _, _) => true);
            await data.AuthenticateAsClientAsync("localhost");
            return (tcp, data, TcpTurnClient.ConnectionId(connected));
        });
        Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, ManualPollRig.Patience));
        data.Write(control.Credentials.Build(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.AddConnectionId(id)));
        NetworkStream from = accepted!.GetStream();
        byte[] one = new byte[1];
        data.Write(one);
        Task t = from.ReadExactlyAsync(new byte[1]).AsTask();
        while (!t.IsCompleted) { _rig.PollOnce(); }
        const int Count = 40000;
        byte[] msg = new byte[size];
        long total = (long)Count * size;
        var reader = Task.Run(async () =>
        {
            byte[] b = new byte[65536];
            long got = 0;
            while (got < total) { got += await from.ReadAsync(b); }
        });
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++) { await data.WriteAsync(msg); }
        await reader;
        sw.Stop();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        File.AppendAllText("/tmp/tls-6062-relay-cost.txt", $"{Environment.GetEnvironmentVariable("TAG")} size={size} wall={sw.Elapsed.TotalMilliseconds:F0}ms cpu={cpu.TotalMilliseconds:F0}ms us/msg(cpu)={cpu.TotalMilliseconds * 1000 / Count:F1}\n");
        tcp.Dispose();
    }
}
