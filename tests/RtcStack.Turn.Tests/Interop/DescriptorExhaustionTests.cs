using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>
/// rtcstack-turn as a process with a small open-file limit (256, so the automatic stream connection bound is 64),
/// flooded with more TCP connections than it has descriptors: it accepts up to the bound, leaves the rest in the
/// backlog (out of descriptors the accept loop would spin and the runtime abort with "Out of memory."), logs
/// the bound once, and serves TCP clients again once the flood is gone.
/// </summary>
public sealed partial class DescriptorExhaustionTests(ITestOutputHelper output)
{
    private const int FileLimit = 256;
    private const int Flood = 300;
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "rtcstack-turn.dll");

    [Fact]
    public async Task A_tcp_flood_past_the_descriptor_limit_is_survived_and_tcp_clients_are_served_afterwards()
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        int port = ExternalProcess.FreeTcpPort();
        int peerPort = ExternalProcess.FreeUdpPort();
        string args = $"{Executable} --listening-ip 127.0.0.1 --listening-port {port} --realm fd.test --user u:p " +
            "--allowed-peer-ip 127.0.0.1 --min-port 45000 --max-port 45999 --no-tls";
        using Process server = ExternalProcess.Start("bash", $"-c \"ulimit -n {FileLimit} && exec dotnet {args}\"", out StringBuilder log);
        Process? peer = null;
        var flood = new List<Socket>();
        try
        {
            Assert.True(await ExternalProcess.WaitUntilAsync(() => ExternalProcess.Snapshot(log).Contains("TURN server started", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "rtcstack-turn did not start:\n" + ExternalProcess.Snapshot(log));

            for (int i = 0; i < Flood; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                flood.Add(socket);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            }
            Assert.True(await ExternalProcess.WaitUntilAsync(() => ExternalProcess.Snapshot(log).Contains("max-stream-connections", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "the listener never reported its connection bound:\n" + ExternalProcess.Snapshot(log));
            await Task.Delay(TimeSpan.FromSeconds(2)); // time in which a spinning accept loop would log thousands of lines

            string during = ExternalProcess.Snapshot(log);
            Assert.False(server.HasExited, "rtcstack-turn exited:\n" + during);
            Assert.Contains("64 TCP/TLS connections open", during, StringComparison.Ordinal);
            Assert.InRange(BoundWarnings().Count(during), 1, 2);
            Assert.DoesNotContain("cannot accept", during, StringComparison.Ordinal);
            Assert.DoesNotContain("receive loop on", during, StringComparison.Ordinal);

            foreach (Socket socket in flood)
            {
                socket.Dispose();
            }
            flood.Clear();

            peer = ExternalProcess.Start("turnutils_peer", $"-L 127.0.0.1 -p {peerPort}", out _);
            await Task.Delay(300);
            (int exit, string text) = await ExternalProcess.RunAsync("turnutils_uclient",
                $"-t -c -n 10 -u u -w p -p {port} -e 127.0.0.1 -r {peerPort} 127.0.0.1", TimeSpan.FromSeconds(90));
            output.WriteLine(text);
            UclientResult result = UclientResult.Parse(text);
            Assert.True(result.Found, "no uclient summary:\n" + text);
            Assert.Equal(0, result.Lost);
            Assert.Equal(0, exit);
            Assert.False(server.HasExited);
        }
        finally
        {
            foreach (Socket socket in flood)
            {
                socket.Dispose();
            }
            if (peer is not null)
            {
                ExternalProcess.Stop(peer);
                peer.Dispose();
            }
            ExternalProcess.Stop(server);
            string all = ExternalProcess.Snapshot(log);
            output.WriteLine(all.Length > 20_000 ? all[..20_000] + "\n[...]" : all);
        }
    }

    [GeneratedRegex("max-stream-connections")]
    private static partial Regex BoundWarnings();
}
