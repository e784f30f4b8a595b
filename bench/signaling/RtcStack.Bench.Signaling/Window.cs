namespace RtcStack.Bench.Signaling;

/// <summary>The measurement window of a relay run: latencies, delivered count, server and own CPU.</summary>
internal sealed class Window
{
    private readonly List<double> _latencies = new(1 << 20);
    private readonly Lock _lock = new();
    private bool _open;
    private long _delivered;
    private double _cpu0, _cpu1, _own0, _own1, _rss;
    private DateTime _start, _end;

    public void Record(double ms)
    {
        if (!_open)
        {
            return;
        }

        lock (_lock)
        {
            if (_open)
            {
                _latencies.Add(ms);
                _delivered++;
            }
        }
    }

    public void Open(int pid)
    {
        _cpu0 = ProcStats.CpuSeconds(pid);
        _own0 = ProcStats.OwnCpuSeconds();
        _start = DateTime.UtcNow;
        _open = true;
    }

    public void Close(int pid)
    {
        lock (_lock)
        {
            _open = false;
        }

        _end = DateTime.UtcNow;
        _cpu1 = ProcStats.CpuSeconds(pid);
        _own1 = ProcStats.OwnCpuSeconds();
        _rss = ProcStats.RssMiB(pid);
    }

    public void Report(LoadOptions o, Dictionary<string, object?> result, int pairs, int closed)
    {
        double seconds = (_end - _start).TotalSeconds;
        _latencies.Sort();
        result["pairs"] = pairs;
        result["target_rate"] = o.Rate;
        result["delivered_per_s"] = Math.Round(_delivered / seconds);
        result["p50_ms"] = Math.Round(ProcStats.Percentile(_latencies, 0.50), 3);
        result["p99_ms"] = Math.Round(ProcStats.Percentile(_latencies, 0.99), 3);
        result["p999_ms"] = Math.Round(ProcStats.Percentile(_latencies, 0.999), 3);
        result["max_ms"] = Math.Round(_latencies.Count > 0 ? _latencies[^1] : double.NaN, 3);
        result["server_cpu_s_per_100k"] = Math.Round((_cpu1 - _cpu0) / Math.Max(1, _delivered) * 100_000, 3);
        result["server_cpu_pct"] = Math.Round((_cpu1 - _cpu0) / seconds * 100, 1);
        result["gen_cpu_pct"] = Math.Round((_own1 - _own0) / seconds * 100, 1);
        result["gen_cpu_s_per_100k"] = Math.Round((_own1 - _own0) / Math.Max(1, _delivered) * 100_000, 3);
        result["server_rss_mib"] = Math.Round(_rss, 1);
        result["sessions_closed_unexpectedly"] = closed;
    }
}
