using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RtcStack.Bench.Signaling;
using RtcStack.Signaling;
using RtcStack.Signaling.Tokens;

// Signaling load tool: idle sessions (--conns) or relay pairs (--pairs), against RtcStack or PeerJS server.
var o = LoadOptions.Parse(args);
var tokens = o.Proto == "rtcstack"
    ? new TokenService(Options.Create(new SignalingOptions { TokenSecret = o.Secret }), TimeProvider.System)
    : null;
var result = new Dictionary<string, object?> { ["proto"] = o.Proto, ["when"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture) };
double rssBefore = ProcStats.RssMiB(o.ServerPid);
result["server_rss_before_mib"] = Math.Round(rssBefore, 1);

var sessions = new ConcurrentBag<BenchSession>();
int failed = 0;
async Task OpenManyAsync(int count, Func<int, string> idOf)
{
    using var gate = new SemaphoreSlim(o.Concurrency);
    var tasks = Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            string id = idOf(i);
            var local = IPAddress.Parse($"127.0.0.{1 + (i % o.SrcIps)}");
            string? token = tokens?.Mint(id, ["*"], Permissions.Publish | Permissions.Subscribe, TimeSpan.FromHours(2)).Token;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            sessions.Add(await BenchSession.OpenAsync(o, id, token, local, cts.Token));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (Interlocked.Increment(ref failed) <= 3)
            {
                Console.Error.WriteLine($"open failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
        finally
        {
            gate.Release();
        }
    });
    await Task.WhenAll(tasks);
}

if (o.Conns > 0)
{
    // Idle: open N sessions (rooms of --room-size for rtcstack), then hold them with app heartbeats.
    double cpu0 = ProcStats.CpuSeconds(o.ServerPid), own0 = ProcStats.OwnCpuSeconds();
    var sw = Stopwatch.StartNew();
    await OpenManyAsync(o.Conns, i => "idle-" + i.ToString(CultureInfo.InvariantCulture));
    double connectSeconds = sw.Elapsed.TotalSeconds;
    if (o.Proto == "rtcstack" && o.RoomSize > 0)
    {
        int n = 0;
        foreach (var s in sessions)
        {
            string room = "idle-room-" + (n++ / o.RoomSize).ToString(CultureInfo.InvariantCulture);
            await s.RequestAsync($$"""{"type":"join","id":"j","room":"{{room}}"}""", "\"joined\"", CancellationToken.None);
        }
    }

    foreach (var s in sessions)
    {
        s.StartReceiving((_, _) => Task.CompletedTask);
    }

    double cpu1 = ProcStats.CpuSeconds(o.ServerPid), own1 = ProcStats.OwnCpuSeconds();
    byte[] beat = Encoding.UTF8.GetBytes(o.Proto == "rtcstack" ? """{"type":"ping"}""" : """{"type":"HEARTBEAT"}""");
    var holdEnd = DateTime.UtcNow.AddSeconds(o.Hold);
    while (DateTime.UtcNow < holdEnd)
    {
        foreach (var s in sessions.Where(s => !s.Closed))
        {
            _ = s.SendAsync(beat);
        }

        await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, o.Hold)));
    }

    double cpu2 = ProcStats.CpuSeconds(o.ServerPid), own2 = ProcStats.OwnCpuSeconds();
    double rss = ProcStats.RssMiB(o.ServerPid);
    int held = sessions.Count(s => !s.Closed);
    result["target"] = o.Conns;
    result["held"] = held;
    result["failed"] = failed;
    result["connect_per_s"] = Math.Round(sessions.Count / connectSeconds);
    result["server_cpu_s_per_1k_connects"] = Math.Round((cpu1 - cpu0) / Math.Max(1, sessions.Count) * 1000, 3);
    result["gen_cpu_s_per_1k_connects"] = Math.Round((own1 - own0) / Math.Max(1, sessions.Count) * 1000, 3);
    result["server_rss_mib"] = Math.Round(rss, 1);
    result["kib_per_session"] = Math.Round((rss - rssBefore) * 1024 / Math.Max(1, held), 2);
    result["server_cpu_pct_hold"] = Math.Round((cpu2 - cpu1) / o.Hold * 100, 1);
    result["gen_cpu_pct_hold"] = Math.Round((own2 - own1) / o.Hold * 100, 1);
}
else if (o.Pairs > 0)
{
    await RelayRunner.RunAsync(o, sessions, OpenManyAsync, result);
    result["failed"] = failed;
}

string line = JsonSerializer.Serialize(result);
Console.WriteLine(line);
if (o.Out is not null)
{
    await File.AppendAllTextAsync(o.Out, line + "\n");
}

foreach (var s in sessions)
{
    await s.DisposeAsync();
}
