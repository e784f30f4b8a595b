using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RtcStack.Media.EchoLoad;

/// <summary>This program started again with --server as a child process; offers go over its stdin.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private ServerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <param name="cpu">Pin every server thread to this CPU (through <c>taskset</c>, so from the first thread on); null: not pinned.</param>
    /// <param name="nice">Run the server at this nice value (negative needs root); null: inherited.</param>
    public static async Task<ServerProcess> StartAsync(int? cpu = null, int? nice = null)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (cpu is not null || nice is not null)
        {
            info.FileName = nice is null ? "taskset" : "nice";
            if (nice is int n)
            {
                info.ArgumentList.Add("-n");
                info.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
                if (cpu is not null)
                {
                    info.ArgumentList.Add("taskset");
                }
            }
            if (cpu is int c)
            {
                info.ArgumentList.Add("-c");
                info.ArgumentList.Add(c.ToString(CultureInfo.InvariantCulture));
            }
            info.ArgumentList.Add(self);
        }
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        }
        info.ArgumentList.Add("--server");
        var process = Process.Start(info)!;
        var ready = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        if (ready != "READY")
        {
            process.Kill();
            throw new InvalidOperationException("server did not start: " + ready);
        }
        return new ServerProcess(process);
    }

    public async Task<string> AnswerAsync(string offer)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(offer))).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            var line = await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? "";
            return Encoding.UTF8.GetString(Convert.FromBase64String(line));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The server's RtcStack.Sfu counters: RTP/RTCP packets received (decrypted), sent, dropped.</summary>
    public async Task<(long Received, long Sent, long Dropped)> StatsAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync("STATS").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            var parts = (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? "0 0 0").Split(' ');
            return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture),
                long.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>utime + stime of the server process from /proc/PID/stat, in seconds.</summary>
    public double CpuSeconds() => ProcStat.CpuSeconds(Pid);

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
        _lock.Dispose();
    }
}

/// <summary>Reads /proc.</summary>
internal static class ProcStat
{
    private const double ClockTicks = 100; // USER_HZ on Linux x86-64

    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 (utime, stime) of proc(5); fields[0] here is field 3 (state).
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicks;
    }

    /// <summary>
    /// Seconds the threads of <paramref name="pid"/> spent runnable but waiting for a CPU (second field of
    /// /proc/PID/task/TID/schedstat), summed over the threads alive now.
    /// </summary>
    public static double RunQueueWaitSeconds(int pid)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                total += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread ended
            }
        }
        return total / 1e9;
    }

    /// <summary>RcvbufErrors of the Udp line of /proc/net/snmp (the whole network namespace, not just us).</summary>
    public static long UdpReceiveBufferErrors()
    {
        var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
        var names = lines[0].Split(' ');
        var values = lines[1].Split(' ');
        return long.Parse(values[Array.IndexOf(names, "RcvbufErrors")], CultureInfo.InvariantCulture);
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
