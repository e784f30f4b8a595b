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

    public static async Task<ServerProcess> StartAsync()
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
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

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
