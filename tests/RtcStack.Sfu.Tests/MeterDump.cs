using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Sfu.Tests;

/// <summary>Collects RtcStack.* counters (with tags) so a failing test can show what was dropped.</summary>
internal sealed class MeterDump : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _values = new();

    public MeterDump()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("RtcStack.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            // "rtcstack.sfu.packets.dropped": the meter name (lower case) then the instrument name, since
            // several meters have an instrument of the same name.
            var key = instrument.Meter.Name.ToLowerInvariant() + "." + instrument.Name;
            foreach (var t in tags)
            {
                key += $" {t.Key}={t.Value}";
            }
            _values.AddOrUpdate(key, value, (_, v) => v + value);
        });
        _listener.Start();
    }

    public long Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>
    /// The counter once it reached <paramref name="atLeast"/>, or its value after 30 s: for counts made on
    /// another thread (a receive loop, the server side of a handshake) that may lag on a loaded machine.
    /// </summary>
    public async Task<long> WaitAsync(string key, long atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Get(key) < atLeast && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        return Get(key);
    }

    // ToArray is the dictionary's own snapshot; OrderBy on the live dictionary would CopyTo while other tests'
    // receive loops add keys, and throw.
    public override string ToString() => string.Join("; ", _values.ToArray().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"));

    public void Dispose() => _listener.Dispose();
}
