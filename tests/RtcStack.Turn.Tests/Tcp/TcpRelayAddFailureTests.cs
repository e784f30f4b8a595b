using System.Net.Sockets;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A connected peer socket that cannot be added to its allocation (here: its bind timer cannot be made) leaves nothing
/// behind: the Connect is answered 447, the socket is closed, its connection id is not registered, and a later Connect
/// to the same peer is not refused with 446 (Connection Already Exists).
/// </summary>
public sealed class TcpRelayAddFailureTests
{
    /// <summary>A distinctive bind timeout: only the bind timer is made with it.</summary>
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(77.25);

    [Fact]
    public async Task A_connection_that_cannot_be_added_is_closed_unregistered_and_does_not_block_the_peer()
    {
        var time = new FailingBindTimer(BindTimeout) { Fail = true };
        await using TurnServer server = await TcpTestServer.StartAsync(49000, o =>
        {
            o.Users["bob"] = "bob-pw";
            o.TcpBindTimeout = BindTimeout;
        }, time);
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));

        Assert.Equal(447, Answer.ErrorCode(await client.ConnectPeerAsync(peer.EndPoint)));
        Assert.True(peer.Accepted.TryTake(out TcpClient? first, TimeSpan.FromSeconds(10)));
        using (first)
        {
            Assert.True(await TcpTurnClient.EndsAsync(first.GetStream())); // the server closed its side
        }
        Assert.Equal(0, server.State!.TcpConnections.Count);

        time.Fail = false;
        byte[] connected = await client.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        Assert.Equal(1, server.State.TcpConnections.Count);
    }

    /// <summary>The system clock, except that making a timer of <paramref name="failing"/> throws while <see cref="Fail"/> is set.</summary>
    private sealed class FailingBindTimer(TimeSpan failing) : TimeProvider
    {
        public volatile bool Fail;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Fail && dueTime == failing
                ? throw new InvalidOperationException("no timer")
                : System.CreateTimer(callback, state, dueTime, period);
    }
}
