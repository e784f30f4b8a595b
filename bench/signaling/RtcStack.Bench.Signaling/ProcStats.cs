using System.Diagnostics;
using System.Globalization;

namespace RtcStack.Bench.Signaling;

/// <summary>/proc readers: a process's CPU seconds (utime + stime) and VmRSS.</summary>
internal static class ProcStats
{
    private const double TicksPerSecond = 100.0;

    public static double CpuSeconds(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static double RssMiB(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }

    public static double OwnCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
