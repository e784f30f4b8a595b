using System.Text;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The hub's relay path on the in-memory backplane (what <see cref="ConnectionRunner"/> does per client frame):
/// it completes synchronously, delivers every message in order, and allocates a bounded number of bytes per
/// message (measured on this thread around many relays; the bound catches a new per-message allocation).
/// </summary>
public sealed class RelayAllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// What a relayed directed message to a local session may allocate: only the stamped frame (136 bytes with this
    /// frame; the replay buffer keeps it and the send queue sends that same array). Measured 2026-11-26: 136 bytes with
    /// the hand-written scanner and the local delivery (656 before: two id strings, the body, the message and its
    /// envelope; 968 before the envelope stopped allocating a default message).
    /// </summary>
    private const long BudgetPerMessage = 144;

    [Fact]
    public async Task A_directed_relay_completes_synchronously_in_order_within_its_allocation_budget()
    {
        await using var rig = await RelayRig.CreateAsync();
        byte[] frame = """{"type":"message","room":"r","to":"bob","data":{"lt":[1,123456789],"p":"xxxxxxxxxxxxxxxx"}}"""u8.ToArray();
        for (int i = 0; i < 2_000; i++)
        {
            rig.Relay(frame);
        }
        const int n = 20_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++)
        {
            rig.Relay(frame);
        }
        long perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / n;
        output.WriteLine($"allocated per relayed message: {perMessage} bytes");

        Assert.Equal(1 + 2_000 + n, rig.BobSink.Sent); // the welcome, then every message
        string last = Encoding.UTF8.GetString(rig.BobSink.Last.Span);
        Assert.Equal("""{"type":"message","seq":""" + (2_000 + n) + ""","room":"r","from":"alice","data":{"lt":[1,123456789],"p":"xxxxxxxxxxxxxxxx"}}""", last);
        Assert.Equal(1, rig.AliceSink.Sent); // alice got her welcome only: no ack (no id), no error
        Assert.InRange(perMessage, 1, BudgetPerMessage);
    }

    [Fact]
    public async Task A_relay_to_a_peer_outside_the_room_is_answered_with_an_error_synchronously()
    {
        await using var rig = await RelayRig.CreateAsync();
        rig.Relay("""{"type":"message","id":"m1","room":"r","to":"carol","data":1}"""u8.ToArray());
        Assert.Equal(2, rig.AliceSink.Sent);
        Assert.Contains("\"unknown-target\"", Encoding.UTF8.GetString(rig.AliceSink.Last.Span), StringComparison.Ordinal);
        Assert.Equal(1, rig.BobSink.Sent);
    }

    [Fact]
    public async Task A_relay_with_an_id_is_acked_and_an_escaped_frame_is_delivered_the_same_way_by_the_general_reader()
    {
        await using var rig = await RelayRig.CreateAsync();
        rig.Relay("""{"type":"message","id":"m1","room":"r","to":"bob","data":{"a":"\u00e9"}}"""u8.ToArray());
        Assert.Equal(2, rig.AliceSink.Sent);
        Assert.Equal("""{"type":"ack","re":"m1"}""", Encoding.UTF8.GetString(rig.AliceSink.Last.Span));
        string scanned = Encoding.UTF8.GetString(rig.BobSink.Last.Span);
        Assert.Equal("""{"type":"message","seq":1,"room":"r","from":"alice","data":{"a":"\u00e9"}}""", scanned);

        rig.Relay("""{"type":"message","id":"m2","room":"\u0072","to":"b\u006fb","data":{"a":"\u00e9"}}"""u8.ToArray()); // not for the scanner
        Assert.Equal(3, rig.AliceSink.Sent);
        Assert.Equal("""{"type":"ack","re":"m2"}""", Encoding.UTF8.GetString(rig.AliceSink.Last.Span));
        Assert.Equal(scanned.Replace("\"seq\":1", "\"seq\":2", StringComparison.Ordinal), Encoding.UTF8.GetString(rig.BobSink.Last.Span));
    }
}
