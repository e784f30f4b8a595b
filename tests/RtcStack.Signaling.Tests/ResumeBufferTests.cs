using System.Text.Json;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>The resume buffer's bounds: frames and bytes; beyond them resume fails cleanly, never with a gap.</summary>
public sealed class ResumeBufferTests
{
    [Fact]
    public void The_byte_bound_evicts_the_oldest_frames_and_remembers_what_was_dropped()
    {
        var buffer = new ReplayBuffer(capacity: 100, maxBytes: 250);
        for (long seq = 1; seq <= 5; seq++)
        {
            buffer.Add(seq, new byte[100]);
        }

        Assert.Equal((2, 200L, 3L), (buffer.Count, buffer.Bytes, buffer.DroppedUpTo));
        Assert.Equal([4L, 5L], buffer.All.Select(f => f.Seq));
        Assert.False(buffer.CanReplayFrom(2));
        Assert.True(buffer.CanReplayFrom(3));
        buffer.Acknowledge(4);
        Assert.Equal((1, 100L, 4L), (buffer.Count, buffer.Bytes, buffer.DroppedUpTo));
    }

    [Fact]
    public void A_frame_larger_than_the_byte_bound_is_not_kept()
    {
        var buffer = new ReplayBuffer(capacity: 100, maxBytes: 50);
        buffer.Add(1, new byte[10]);
        buffer.Add(2, new byte[60]);
        Assert.Equal((0, 0L, 2L), (buffer.Count, buffer.Bytes, buffer.DroppedUpTo));
        Assert.True(buffer.CanReplayFrom(2));
        Assert.False(buffer.CanReplayFrom(1));
    }

    [Fact]
    public void The_frame_bound_still_holds()
    {
        var buffer = new ReplayBuffer(capacity: 3);
        for (long seq = 1; seq <= 5; seq++)
        {
            buffer.Add(seq, new byte[1]);
        }

        Assert.Equal((3, 3L, 2L), (buffer.Count, buffer.Bytes, buffer.DroppedUpTo));
    }

    [Fact]
    public async Task A_session_whose_frames_were_evicted_after_the_resume_check_refuses_to_attach()
    {
        var claims = new Tokens.PeerClaims("alice", ["*"], Tokens.Permissions.None, DateTimeOffset.MaxValue);
        var session = new Session(new PeerId("alice"), "s1", claims, bufferCapacity: 2);
        session.Deliver(new ServerMessage { Type = "message", Message = "1" });
        Assert.True(session.CanResumeFrom(0));
        session.Deliver(new ServerMessage { Type = "message", Message = "2" });
        session.Deliver(new ServerMessage { Type = "message", Message = "3" }); // evicts seq 1, which the client never saw
        await using var stream = new MemoryStream();
        using var socket = System.Net.WebSockets.WebSocket.CreateFromStream(stream, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true });
        var connection = new SignalingConnection("k1", socket, null, 0, 16);
        Assert.False(session.Attach(connection, [], lastSeq: 0, resuming: true));
        Assert.Null(session.Connection);
        Assert.True(session.Attach(connection, [], lastSeq: 1, resuming: true));
    }

    [Theory]
    [InlineData(100_000, true)]
    [InlineData(1_000, false)]
    public async Task Resume_works_within_the_byte_bound_and_fails_cleanly_beyond_it(int bufferBytes, bool resumes)
    {
        await using var h = new HubHarness(o => o.ResumeBufferBytes = bufferBytes);
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        await h.JoinAsync(alice, "r");
        await h.JoinAsync(bob, "r");
        await alice.ReceiveAsync(m => m.Type == "member-joined");
        string resumeToken = alice.Welcome!.ResumeToken!;
        long seen = alice.LastSeq;
        alice.Socket.Abort();
        for (int i = 0; i < 400 && h.Hub.Sessions.TryGetValue("alice", out var s) && s.Connection is not null; i++)
        {
            await Task.Delay(25);
        }

        string text = new('x', 300);
        for (int i = 1; i <= 5; i++)
        {
            // About 400 bytes a frame: 2 KB in all, over a bound of 1000 bytes but far under 100000.
            var data = JsonDocument.Parse($"\"{text}{i}\"").RootElement.Clone();
            Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "alice", Data = data })).Type);
        }

        TestClient again = await h.ConnectAsync();
        await again.SendAsync(new ClientMessage { Type = "hello", Id = "h", V = 1, Token = h.Token("alice"), Resume = resumeToken, LastSeq = seen });
        ServerMessage first = await again.ReceiveAsync(m => m.Type is "error" or "welcome");
        if (resumes)
        {
            Assert.True(first.Resumed);
            for (int i = 1; i <= 5; i++)
            {
                Assert.Equal(text + i, (await again.ReceiveAsync(m => m.Type == "message")).Data!.Value.GetString());
            }
        }
        else
        {
            Assert.Equal(("error", ErrorCodes.ResumeFailed, "h"), (first.Type, first.Code, first.Re));
            Assert.False((await again.ReceiveAsync(m => m.Type == "welcome")).Resumed);
            Assert.Equal("alice", (await bob.ReceiveAsync(m => m.Type == "member-left")).Peer);
            Assert.True(await again.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(300)));
        }
    }
}
