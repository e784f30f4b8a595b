using System.Diagnostics.Metrics;
using System.Net;
using RtcStack.Net;

namespace RtcStack.Turn.Tests.Net;

public sealed class NetMetricsTests
{
    [Fact]
    public async Task Udp_counters_are_published_on_the_RtcStack_Net_meter()
    {
        var recorder = new RecordingDatagramHandler();
        await using UdpEndpoint server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new EchoDatagramHandler());
        await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), recorder);
        server.Start();
        client.Start();
        client.Send([0xFF], server.LocalAddress); // malformed
        client.Send([1, 2, 3], server.LocalAddress);
        await recorder.WaitForAsync(1);
        await WaitUntilAsync(() => server.Counters.PacketsReceived == 2);

        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "RtcStack.Net")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "transport" && (string?)tag.Value == "udp")
                {
                    seen["rtcstack.net." + instrument.Name] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        // Sums over every UDP endpoint of the process, so at least this test's packets.
        Assert.True(seen.GetValueOrDefault("rtcstack.net.packets.received") >= 3);
        Assert.True(seen.GetValueOrDefault("rtcstack.net.packets.malformed") >= 1);
        Assert.True(seen.GetValueOrDefault("rtcstack.net.packets.sent") >= 3);
        Assert.True(seen.ContainsKey("rtcstack.net.socket.errors"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
