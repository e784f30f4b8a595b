using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RtcStack.Bench.Signaling;

/// <summary>
/// Relay mode: P pairs (A_i, B_i), each pair in room <c>pair-i</c>. A sends a ping, B answers with a pong;
/// 1 ping in <c>--offer-every</c> is a ~3 KB offer-sized payload, the others ~225 B candidate-sized. Every frame
/// carries <c>"lt":[kind,timestamp]</c>; sender and receiver share this process's clock, so one-way latency is
/// measured directly. Flat-out (rate 0) keeps one ping-pong in flight per pair; otherwise pings leave at rate/2
/// per second from a 1 ms loop, round-robin over pairs.
/// </summary>
internal static class RelayRunner
{
    private static readonly string Small = new('c', 200);
    private static readonly string Big = new('o', 3000);

    public static async Task RunAsync(LoadOptions o, ConcurrentBag<BenchSession> all, Func<int, Func<int, string>, Task> open, Dictionary<string, object?> result)
    {
        await open(o.Pairs * 2, i => (i % 2 == 0 ? "a-" : "b-") + (i / 2).ToString(CultureInfo.InvariantCulture));
        var byId = all.ToDictionary(s => s.Id);
        var pairs = new List<(BenchSession A, BenchSession B, string Room)>();
        for (int i = 0; i < o.Pairs; i++)
        {
            string n = i.ToString(CultureInfo.InvariantCulture);
            if (byId.TryGetValue("a-" + n, out var a) && byId.TryGetValue("b-" + n, out var b))
            {
                a.Peer = b.Id;
                b.Peer = a.Id;
                a.Room = b.Room = "pair-" + n;
                if (o.Proto == "rtcstack")
                {
                    await a.RequestAsync($$"""{"type":"join","id":"j","room":"{{a.Room}}"}""", "\"joined\"", CancellationToken.None);
                    await b.RequestAsync($$"""{"type":"join","id":"j","room":"{{b.Room}}"}""", "\"joined\"", CancellationToken.None);
                }

                pairs.Add((a, b, a.Room));
            }
        }

        var stats = new Window();
        long sent = 0;
        int pingCounter = 0;
        byte[] Frame(BenchSession from, int kind, bool offer)
        {
            long ts = Stopwatch.GetTimestamp();
            string body = offer ? Big : Small;
            string payload = $$"""{"lt":[{{kind}},{{ts}}],"sdpMid":"0","p":"{{body}}"}""";
            string type = offer ? (kind == 0 ? "OFFER" : "ANSWER") : "CANDIDATE";
            return Encoding.UTF8.GetBytes(o.Proto == "rtcstack"
                ? $$"""{"type":"message","room":"{{from.Room}}","to":"{{from.Peer}}","data":{{payload}}}"""
                : $$"""{"type":"{{type}}","dst":"{{from.Peer}}","payload":{{payload}}}""");
        }

        async Task OnFrame(BenchSession s, ReadOnlyMemory<byte> frame)
        {
            if (!TryReadLt(frame.Span, out int kind, out long ts))
            {
                return;
            }

            stats.Record(Stopwatch.GetElapsedTime(ts).TotalMilliseconds);
            bool offer = frame.Length > 2000;
            if (kind == 0)
            {
                await s.SendAsync(Frame(s, 1, offer));
                Interlocked.Increment(ref sent);
            }
            else if (o.Rate == 0)
            {
                await s.SendAsync(Frame(s, 0, Interlocked.Increment(ref pingCounter) % o.OfferEvery == 0));
                Interlocked.Increment(ref sent);
            }
        }

        foreach (var (a, b, _) in pairs)
        {
            a.StartReceiving(OnFrame);
            b.StartReceiving(OnFrame);
        }

        var total = TimeSpan.FromSeconds(o.Warmup + o.Duration);
        var clock = Stopwatch.StartNew();
        var measure = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(o.Warmup));
            stats.Open(o.ServerPid);
            await Task.Delay(TimeSpan.FromSeconds(o.Duration));
            stats.Close(o.ServerPid);
        });
        if (o.Rate == 0)
        {
            foreach (var (a, _, _) in pairs)
            {
                await a.SendAsync(Frame(a, 0, false));
            }
        }
        else
        {
            long pings = 0;
            int next = 0;
            while (clock.Elapsed < total)
            {
                long due = (long)(clock.Elapsed.TotalSeconds * o.Rate / 2);
                for (; pings < due; pings++)
                {
                    var a = pairs[next++ % pairs.Count].A;
                    await a.SendAsync(Frame(a, 0, pings % o.OfferEvery == 0));
                }

                await Task.Delay(1);
            }
        }

        await measure;
        stats.Report(o, result, pairs.Count, all.Count(s => s.Closed));
    }

    /// <summary>Finds <c>"lt":[kind,timestamp]</c> without parsing the whole frame.</summary>
    private static bool TryReadLt(ReadOnlySpan<byte> frame, out int kind, out long ts)
    {
        kind = 0;
        ts = 0;
        int at = frame.IndexOf("\"lt\":["u8);
        if (at < 0)
        {
            return false;
        }

        var rest = frame[(at + 6)..];
        kind = rest[0] - '0';
        rest = rest[2..];
        int end = rest.IndexOf((byte)']');
        return end > 0 && long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out ts);
    }
}
