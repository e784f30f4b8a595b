using System.Buffers.Binary;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// Plain TCP clients read on the server's own epoll thread (StreamPoller/StreamPollReader): frames cut at any byte
/// over many reads, many frames in one read, a frame of almost the largest size, and unframeable bytes (dropped,
/// counted, connection closed). Real sockets on 127.0.0.1, generous timeouts only. <see cref="TcpAsyncReadTests"/> runs
/// the same tests on the asynchronous fallback (no poller: off Linux x64, or RTCSTACK_TURN_STREAM_POLLER=0).
/// </summary>
public class TcpPolledReadTests : IAsyncLifetime
{
    private TurnServer _server = null!;

    /// <summary>Whether the server reads its clients on the stream poller (false: the asynchronous fallback).</summary>
    protected virtual bool UseStreamPoller => true;

    public async Task InitializeAsync()
    {
        _server = new TurnServer(new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            EnableUdp = false,
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            ChallengesPerSecondPerIp = 0,
            UseStreamPoller = UseStreamPoller,
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Frames_cut_at_any_byte_many_per_read_and_one_near_the_largest_size_are_all_answered_in_order()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(_server.TcpEndPoints[0]);
        NetworkStream stream = tcp.GetStream();
        var expected = new List<byte[]>();
        byte[] Request(int padding = 0)
        {
            byte[] request = Binding(padding);
            expected.Add(request.AsSpan(8, 12).ToArray());
            return request;
        }

        byte[] trickled = [.. Request(), .. Request(), .. Request(100), .. Request()];
        for (int i = 0, n = 1; i < trickled.Length; i += n, n = 1 + (n % 7))
        {
            await stream.WriteAsync(trickled.AsMemory(i, Math.Min(n, trickled.Length - i)));
            await Task.Delay(1); // most pieces arrive alone: the server holds a partial frame between reads
        }
        byte[] many = [.. Enumerable.Range(0, 50).SelectMany(_ => Request())];
        await stream.WriteAsync(many); // one write, many frames per read
        byte[] large = Request(65_000); // longer than one read's worth of most reads: kept partial, grown
        await stream.WriteAsync(large.AsMemory(0, 30_000));
        await Task.Delay(20);
        await stream.WriteAsync(large.AsMemory(30_000));
        await stream.WriteAsync(Request());

        foreach (byte[] id in expected)
        {
            byte[] response = await TcpTurnClient.ReadMessageAsync(stream);
            Assert.Equal(0x0101, (response[0] << 8) | response[1]); // Binding success
            Assert.Equal(id, response[8..20]);
        }
    }

    [Fact]
    public async Task Unframeable_bytes_are_counted_and_close_the_connection()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(_server.TcpEndPoints[0]);
        NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync(Binding(0));
        _ = await TcpTurnClient.ReadMessageAsync(stream);
        long before = _server.State!.Metrics.MalformedDropped;

        await stream.WriteAsync(new byte[] { 0xC0, 0x01, 0x00, 0x00 }); // neither STUN nor ChannelData (RFC 7983 range)
        Assert.True(await TcpTurnClient.EndsAsync(stream), "the connection stayed open");
        Assert.Equal(before + 1, _server.State!.Metrics.MalformedDropped);
    }

    /// <summary>A Binding request, with a comprehension-optional attribute of <paramref name="padding"/> bytes when not 0.</summary>
    private static byte[] Binding(int padding)
    {
        int body = padding == 0 ? 0 : 4 + ((padding + 3) & ~3);
        byte[] request = new byte[20 + body];
        BinaryPrimitives.WriteUInt16BigEndian(request, 0x0001);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), (ushort)body);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(4), StunConstants.MagicCookie);
        Random.Shared.NextBytes(request.AsSpan(8, 12));
        if (padding > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(20), 0x8F00);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(22), (ushort)padding);
        }
        return request;
    }
}
