using System.Net;
using System.Text;
using RtcStack.Signaling.Calls;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class InvitationTests
{
    [Fact]
    public async Task Invite_ringing_accept_hangup()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");

        ServerMessage ack = await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "call1" });
        Assert.Equal("ack", ack.Type);
        string callId = ack.CallId!;
        ServerMessage invite = await bob.ReceiveAsync(m => m.Type == "invite");
        Assert.Equal((callId, "alice", "call1"), (invite.CallId, invite.From, invite.Room));
        Assert.True(invite.ExpiresAt > h.Time.GetUtcNow().ToUnixTimeMilliseconds());

        await bob.RequestAsync(new ClientMessage { Type = "ringing", CallId = callId });
        Assert.Equal("bob", (await alice.ReceiveAsync(m => m.Type == "ringing")).From);
        await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = callId });
        Assert.Equal(callId, (await alice.ReceiveAsync(m => m.Type == "accepted")).CallId);

        // Accepted calls do not time out.
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.RingTimeoutMs + 1000));
        await h.Hub.SweepAsync();
        Assert.True(await alice.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(200)));

        Assert.Equal("ack", (await alice.RequestAsync(new ClientMessage { Type = "hangup", CallId = callId })).Type);
        Assert.Equal(callId, (await bob.ReceiveAsync(m => m.Type == "hangup")).CallId);
        Assert.Equal(ErrorCodes.UnknownCall, (await bob.RequestAsync(new ClientMessage { Type = "hangup", CallId = callId })).Code);
    }

    [Fact]
    public async Task Decline_and_cancel_reach_the_other_side()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        string call1 = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        await bob.ReceiveAsync(m => m.Type == "invite");
        await bob.RequestAsync(new ClientMessage { Type = "decline", CallId = call1, Reason = "later" });
        ServerMessage declined = await alice.ReceiveAsync(m => m.Type == "declined");
        Assert.Equal((call1, "later"), (declined.CallId, declined.Reason));

        string call2 = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        await bob.ReceiveAsync(m => m.Type == "invite");
        await alice.RequestAsync(new ClientMessage { Type = "cancel", CallId = call2 });
        Assert.Equal(call2, (await bob.ReceiveAsync(m => m.Type == "cancelled")).CallId);
        Assert.Equal(ErrorCodes.UnknownCall, (await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = call2 })).Code);
        Assert.Equal(ErrorCodes.UnknownCall, (await alice.RequestAsync(new ClientMessage { Type = "accept", CallId = call2 })).Code);
    }

    [Fact]
    public async Task A_callee_in_a_call_is_busy()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        TestClient carol = await h.PeerAsync("carol");
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        await bob.ReceiveAsync(m => m.Type == "invite");
        await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = call });

        string other = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r2" })).CallId!;
        ServerMessage busy = await carol.ReceiveAsync(m => m.Type == "declined");
        Assert.Equal((other, "busy", "bob"), (busy.CallId, busy.Reason, busy.From));
        Assert.True(await bob.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task An_unanswered_invitation_times_out_for_both()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        await bob.ReceiveAsync(m => m.Type == "invite");
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.RingTimeoutMs - 1000));
        await h.Hub.SweepAsync();
        Assert.True(await alice.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(200)));
        h.Time.Advance(TimeSpan.FromMilliseconds(2000));
        await h.Hub.SweepAsync();
        Assert.Equal(call, (await alice.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.Equal(call, (await bob.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.Equal(ErrorCodes.UnknownCall, (await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = call })).Code);
    }

    [Fact]
    public async Task An_invitation_to_an_offline_peer_is_held_for_the_ring_time()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.Hub.SweepAsync();
        TestClient bob = await h.PeerAsync("bob");
        Assert.Equal((call, "alice"), ((await bob.ReceiveAsync(m => m.Type == "invite")).CallId, "alice"));
        await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = call });
        Assert.Equal(call, (await alice.ReceiveAsync(m => m.Type == "accepted")).CallId);

        // Too late: carol connects after the ring time and gets nothing; the caller gets the timeout.
        string late = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "carol", Room = "r" })).CallId!;
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.RingTimeoutMs + 1));
        await h.Hub.SweepAsync();
        Assert.Equal(late, (await alice.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        TestClient carol = await h.PeerAsync("carol");
        Assert.True(await carol.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task The_webhook_is_signed_and_retried()
    {
        var handler = new FlakyHandler(failures: 2);
        using var http = new HttpClient(handler);
        await using var h = new HubHarness(o => o.InviteWebhook = "http://127.0.0.1:9/push", webhookClient: http);
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "offline-bob", Room = "r" })).CallId!;
        (string body, string signature) = await handler.Delivered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, handler.Attempts);
        Assert.Contains($"\"callId\":\"{call}\"", body, StringComparison.Ordinal);
        Assert.Contains("\"to\":\"offline-bob\"", body, StringComparison.Ordinal);
        Assert.Equal(InviteWebhook.Sign(Encoding.UTF8.GetBytes(HubHarness.Secret), Encoding.UTF8.GetBytes(body)), signature);
    }

    private sealed class FlakyHandler(int failures) : HttpMessageHandler
    {
        public int Attempts;
        public TaskCompletionSource<(string, string)> Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref Attempts) <= failures)
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }
            string body = await request.Content!.ReadAsStringAsync(cancellationToken);
            Delivered.TrySetResult((body, request.Headers.GetValues("X-RtcStack-Signature").Single()));
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
