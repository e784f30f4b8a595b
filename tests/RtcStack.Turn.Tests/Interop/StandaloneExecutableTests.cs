using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>rtcstack-turn as a process, configured by a coturn-style turnserver.conf, serving coturn's clients.</summary>
public sealed class StandaloneExecutableTests(ITestOutputHelper output)
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "rtcstack-turn.dll");

    [Fact]
    public async Task Turnserver_conf_is_served_to_coturn_clients()
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        int port = ExternalProcess.FreeTcpPort();
        int peerPort = ExternalProcess.FreeUdpPort();
        string dir = Directory.CreateTempSubdirectory("rtcstack-turn-conf").FullName;
        string conf = Path.Combine(dir, "turnserver.conf");
        await File.WriteAllTextAsync(conf, $"""
            # coturn-style configuration
            listening-ip=127.0.0.1
            listening-port={port}
            realm=conf.test
            lt-cred-mech
            user=operator:op-password
            allowed-peer-ip=127.0.0.1
            min-port=44000
            max-port=44999
            no-tls
            fingerprint
            """);
        using Process server = ExternalProcess.Start("dotnet", $"\"{Executable}\" -c \"{conf}\"", out StringBuilder log);
        Process? peer = null;
        try
        {
            Assert.True(await ExternalProcess.WaitUntilAsync(() => ExternalProcess.Snapshot(log).Contains("TURN server started", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "rtcstack-turn did not start:\n" + ExternalProcess.Snapshot(log));
            peer = ExternalProcess.Start("turnutils_peer", $"-L 127.0.0.1 -p {peerPort}", out _);
            await Task.Delay(300);
            (_, string stun) = await ExternalProcess.RunAsync("turnutils_stunclient", $"-p {port} 127.0.0.1", TimeSpan.FromSeconds(30));
            Assert.Contains("UDP reflexive addr: 127.0.0.1:", stun, StringComparison.Ordinal);
            (int exit, string text) = await ExternalProcess.RunAsync("turnutils_uclient",
                $"-c -n 20 -u operator -w op-password -p {port} -e 127.0.0.1 -r {peerPort} 127.0.0.1", TimeSpan.FromSeconds(60));
            output.WriteLine(text);
            UclientResult result = UclientResult.Parse(text);
            Assert.True(result.Found, "no uclient summary");
            Assert.Equal(0, result.Lost);
            Assert.Equal(0, exit);
        }
        finally
        {
            if (peer is not null)
            {
                ExternalProcess.Stop(peer);
                peer.Dispose();
            }
            ExternalProcess.Stop(server);
            output.WriteLine(ExternalProcess.Snapshot(log));
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Unsupported_option_is_refused_by_name_with_exit_code_2()
    {
        (int exit, string text) = await ExternalProcess.RunAsync("dotnet", $"\"{Executable}\" --user a:b --mobility", TimeSpan.FromSeconds(60));
        Assert.Equal(2, exit);
        Assert.Contains("mobility", text, StringComparison.Ordinal);
    }
}
