using System.Net.Sockets;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// max-bps on RFC 6062 data connections: the relay paces (a stream cannot drop), per allocation and direction, on the
/// copying path (splice is not used with a cap). The clock is a test clock whose timers fire only when it is moved,
/// so "stops at the burst" and "moves on when time passes" are checked without any timing threshold.
/// </summary>
public sealed class TcpBandwidthCapTests
{
    private const int Cap = 32 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Data_connection_is_paced_to_max_bps_and_resumes_as_time_passes()
    {
        var time = new SteppedTime();
        await using TurnServer server = await TcpTestServer.StartAsync(48000, o => o.MaxBytesPerSecond = Cap, time);
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        byte[] connected = await client.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, Patience));
        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(connected));
        using (data)
        using (accepted)
        {
            Assert.Equal(0, Answer.ErrorCode(bound));
            const int Total = 8 * Cap;
            byte[] payload = new byte[Total];
            Random.Shared.NextBytes(payload);
            Task writing = data.GetStream().WriteAsync(payload).AsTask();
            NetworkStream fromRelay = accepted.GetStream();
            byte[] received = new byte[Total];

            // Without time passing, the relay stops after one second's worth (the burst) plus the read that overdrew it.
            int got = await ReadAtLeastAsync(fromRelay, received, 0, Cap);
            got += await ReadForAsync(fromRelay, received, got, TimeSpan.FromMilliseconds(500));
            Assert.True(got <= Cap + TcpPeerConnectionBuffer, $"{got} bytes passed a cap of {Cap} with the clock stopped");

            // As the clock moves, the rest follows, intact.
            using var timeout = new CancellationTokenSource(Patience);
            Task<int> rest = fromRelay.ReadAtLeastAsync(received.AsMemory(got), Total - got, cancellationToken: timeout.Token).AsTask();
            while (!rest.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(1)); // at most 300 steps in the 60 s: test time stays within the allocation's 600 s
                await Task.WhenAny(rest, Task.Delay(200));
            }
            Assert.Equal(Total - got, await rest);
            Assert.Equal(payload, received);
            await writing.WaitAsync(Patience);
            Assert.True(time.Elapsed >= TimeSpan.FromSeconds(((Total - Cap) / Cap) - 1), $"only {time.Elapsed} of test time passed");
        }
    }

    private const int TcpPeerConnectionBuffer = Transport.TcpPeerConnection.BufferSize;

    private static async Task<int> ReadAtLeastAsync(NetworkStream stream, byte[] into, int offset, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await stream.ReadAtLeastAsync(into.AsMemory(offset), count, cancellationToken: timeout.Token);
    }

    /// <summary>Reads whatever arrives within <paramref name="window"/>; the bytes read.</summary>
    private static async Task<int> ReadForAsync(NetworkStream stream, byte[] into, int offset, TimeSpan window)
    {
        int total = 0;
        using var timeout = new CancellationTokenSource(window);
        try
        {
            while (offset + total < into.Length)
            {
                int n = await stream.ReadAsync(into.AsMemory(offset + total), timeout.Token);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
        }
        catch (OperationCanceledException)
        {
            // the window closed
        }
        return total;
    }
}
