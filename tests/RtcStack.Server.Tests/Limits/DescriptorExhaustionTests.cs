using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Tests.Limits;

/// <summary>
/// A flood of plain TCP connections (from many 127.0.0.x addresses, so no per-IP limit stops it first) at a
/// server whose open-file limit is far smaller than the flood: the process must survive it and serve again.
/// Before the connection bound, Kestrel's accept spun on EMFILE and the runtime aborted ("Out of memory.").
/// </summary>
public sealed class DescriptorExhaustionTests
{
    private const int OpenFileLimit = 500;
    private const int FloodSize = 700;

    [Fact]
    public async Task A_connection_flood_past_the_open_file_limit_does_not_kill_the_server()
    {
        await using var server = await ServerProcess.StartWithFileLimitAsync(OpenFileLimit);
        for (int round = 0; round < 3; round++)
        {
            List<Socket> flood = await FloodAsync(server.BaseAddress.Port, FloodSize);
            try
            {
                Assert.NotEmpty(flood);
                // Requests on every socket give the server work (and its thread pool a reason to grow) while it
                // is at its limit; then let it accept what it will.
                byte[] request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray();
                foreach (Socket socket in flood)
                {
                    try
                    {
                        await socket.SendAsync(request, SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                        // Reset by the server: fine.
                    }
                }
                for (int i = 0; i < 50 && !server.HasExited; i++)
                {
                    await Task.Delay(100);
                }
            }
            finally
            {
                foreach (Socket socket in flood)
                {
                    socket.Dispose();
                }
            }
        }

        Assert.False(server.HasExited, "the server process died during the flood");
        await server.WaitForStatusAsync("/healthz", TimeSpan.FromSeconds(60));
        Assert.False(server.HasExited);

        await using var raw = await RawHttp.ConnectAsync(server.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        await raw.SendTextFrameAsync($$"""{"type":"hello","v":1,"token":"{{Mint("alice")}}"}""");
        using JsonDocument welcome = JsonDocument.Parse(await raw.ReadTextFrameAsync());
        Assert.Equal(MessageTypes.Welcome, welcome.RootElement.GetProperty("type").GetString());
    }

    /// <summary>Opens up to <paramref name="count"/> connections (some may time out in a full backlog: they are skipped).</summary>
    private static async Task<List<Socket>> FloodAsync(int port, int count)
    {
        var opened = new List<Socket>(count);
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (i % 60)}"), 0));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2)); // a full backlog drops the SYN
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
                lock (opened)
                {
                    opened.Add(socket);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        return opened;
    }

    private static string Mint(string subject)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new RtcStack.Signaling.SignalingOptions { TokenSecret = TestNode.Secret });
        return new TokenService(options, TimeProvider.System).Mint(subject, ["*"], Permissions.Publish | Permissions.Subscribe, TimeSpan.FromHours(1)).Token;
    }
}
