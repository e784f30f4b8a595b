using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using RtcStack.Sfu;
using RtcStack.Sfu.Echo;

namespace RtcStack.Media.EchoLoad;

/// <summary>
/// The server side, run as its own process so its CPU can be read from /proc/PID/stat apart from the
/// peers': a <see cref="WebRtcServer"/> with an <see cref="EchoService"/>. Protocol on stdin/stdout, one
/// line each: it prints "READY", then for every base64 offer line it prints the base64 answer line; for
/// "STATS" it prints the RtcStack.Sfu counters "received sent dropped" (all reasons) seen so far.
/// </summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync()
    {
        long received = 0, sent = 0, dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "RtcStack.Sfu")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "packets.received": Interlocked.Add(ref received, value); break;
                case "packets.sent": Interlocked.Add(ref sent, value); break;
                case "packets.dropped": Interlocked.Add(ref dropped, value); break;
            }
        });
        listener.Start();
        await using var server = WebRtcServer.Start(new MediaOptions { ListenIp = "127.0.0.1", Port = 0 });
        await using var echo = new EchoService(server);
        var stdout = Console.Out;
        await stdout.WriteLineAsync("READY").ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (line == "STATS")
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{Interlocked.Read(ref received)} {Interlocked.Read(ref sent)} {Interlocked.Read(ref dropped)}")).ConfigureAwait(false);
                await stdout.FlushAsync().ConfigureAwait(false);
                continue;
            }
            var offer = Encoding.UTF8.GetString(Convert.FromBase64String(line));
            string answer;
            try
            {
                answer = await echo.AnswerAsync(offer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                answer = "";
            }
            await stdout.WriteLineAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(answer))).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
        }
        return 0;
    }
}
