using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// A socket the server closes sends what it queued before the close (the error frame, then the close frame) even when
/// the client's receive window is full at that moment, as soon as the client reads; a client that does not read is
/// cut off after the close timeout, so a closed socket never waits unbounded.
/// </summary>
public sealed class EpollCloseFlushTests : IAsyncLifetime
{
    // Pongs of 127 bytes: about 200 KB, more than the kernel buffers hold (a 4 KiB client window, and a small server
    // send buffer: the client announces a 536-byte MSS, and Linux sizes the send buffer from it), and less than the
    // engine's send high water (256 KiB), so the server still reads the hello behind the pings.
    private const int Pings = 1600;

    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(EngineSettings.Epoll);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_client_whose_window_was_full_gets_the_error_and_the_close_frame_once_it_reads()
    {
        await using RawHttp raw = await UpgradedAsync();
        await raw.SendAsync(PingsThen(EngineFrames.Text("""{"type":"hello","v":1,"token":"not-a-token"}""")));
        // The server answers every ping, then the hello: invalid-token and close 4001. The client reads later. (This
        // close does not take the lingering path within 60 s: the descriptor is not closed while the close frame
        // waits in the full window, so this test waits a fixed time, not for the linger counter.)
        await Task.Delay(TimeSpan.FromSeconds(2));

        await ReadPongsAsync(raw);
        (byte first, byte[] error) = await raw.ReadFrameAsync();
        Assert.Equal(0x81, first);
        Assert.Contains("\"invalid-token\"", Encoding.UTF8.GetString(error), StringComparison.Ordinal);
        (byte close, byte[] code) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 4001), (close, EngineFrames.CloseCode(code)));
        Assert.True(await raw.ClosedByServerAsync());
        Assert.Equal(0, Engine.Metrics.CloseLingerAborts);
        EngineSettings.AssertServed(_node.Services, [EngineSettings.Epoll]);
    }

    [Fact]
    public async Task A_client_whose_window_was_full_gets_the_close_frame_of_a_protocol_error_once_it_reads()
    {
        await using RawHttp raw = await UpgradedAsync();
        // A text frame announcing 1 GiB: the engine closes with 1009 at once (the hub's receive fails, it lets go of the socket).
        await raw.SendAsync(PingsThen([0x81, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]));
        await LingeringAsync();

        await ReadPongsAsync(raw);
        (byte close, byte[] code) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 1009), (close, EngineFrames.CloseCode(code)));
        Assert.True(await raw.ClosedByServerAsync());
        Assert.Equal(0, Engine.Metrics.CloseLingerAborts);
    }

    [Fact]
    public async Task A_closed_socket_whose_client_never_reads_is_cut_off_after_the_close_timeout()
    {
        EpollEngine engine = _node.Services.GetRequiredService<EpollEngine>();
        await using RawHttp raw = await UpgradedAsync();
        await raw.SendAsync(PingsThen([0x81, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]));
        // The engine keeps the descriptor only while it may still send what was queued: at most the close timeout.
        await Eventually.TrueAsync(() => engine.Count == 0, "the unread socket is closed", TimeSpan.FromSeconds(60));
        Assert.True(await raw.ClosedByServerAsync());
        Assert.Equal((1, 1), (engine.Metrics.CloseLingers, engine.Metrics.CloseLingerAborts));
    }

    private EpollEngine Engine => _node.Services.GetRequiredService<EpollEngine>();

    /// <summary>Waits until the server closed the socket with frames still queued (the lingering close).</summary>
    private Task LingeringAsync() =>
        Eventually.TrueAsync(() => Engine.Metrics.CloseLingers == 1, "the close waits for the queued frames", TimeSpan.FromSeconds(60));

    private static async Task ReadPongsAsync(RawHttp raw)
    {
        for (int i = 0; i < Pings; i++)
        {
            (byte pong, byte[] payload) = await raw.ReadFrameAsync();
            Assert.Equal((0x8A, 125), (pong, payload.Length));
        }
    }

    private static byte[] PingsThen(byte[] last)
    {
        byte[] ping = EngineFrames.Frame(0x9, new byte[125]);
        var burst = new List<byte>((ping.Length * Pings) + last.Length);
        for (int i = 0; i < Pings; i++)
        {
            burst.AddRange(ping);
        }
        burst.AddRange(last);
        return [.. burst];
    }

    private async Task<RawHttp> UpgradedAsync()
    {
        RawHttp raw = await RawHttp.ConnectAsync(_node.BaseAddress, receiveBufferSize: 4096, maxSegment: 536);
        await raw.SendAsync(RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        return raw;
    }
}
