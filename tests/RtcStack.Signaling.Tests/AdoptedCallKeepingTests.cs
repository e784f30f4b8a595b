using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// An adopted invitation is never held by nobody: a hand-back to a caller on another node lets go of the adopted copy
/// only once the caller's node took it, and a call handed to a caller whose new session ends at that very moment is
/// kept (held here again) so that it still reaches its callee and rings out.
/// </summary>
public sealed class AdoptedCallKeepingTests
{
    [Fact]
    public async Task A_hand_back_to_a_caller_on_another_node_keeps_the_adopted_copy_until_that_node_took_it()
    {
        var bus = new InMemoryBackplane("node-a");
        var hooked = new HookedBackplane(bus);
        await using var a = new HubHarness(backplane: hooked);
        await using var b = new HubHarness(backplane: bus.CreateNode("node-b"));
        await a.StartAsync();
        await b.StartAsync();
        TestClient bob = await b.PeerAsync("bob");
        bool? heldWhilePublished = null;
        hooked.BeforePublish = (_, envelope) =>
        {
            if (envelope.Call?.Id == "c-3" && heldWhilePublished is null)
            {
                heldWhilePublished = hooked.Held.ContainsKey("c-3");
                // Node A stops right here (the hand-back never leaves it).
                throw new IOException("node A stopped");
            }
            return Task.CompletedTask;
        };
        CallState adopted = HeldCalls.Delivered("c-3", "bob", "gina", a.Hub.NowMs + 30_000);
        hooked.Held["c-3"] = adopted; // the sweep of the dead node moved it to node A's held invitations
        await Assert.ThrowsAnyAsync<IOException>(async () => await ((IBackplaneHandler)a.Hub).OnInvitationsAdoptedAsync([adopted]));

        Assert.True(heldWhilePublished);
        Assert.True(hooked.Held.ContainsKey("c-3"), "the invitation is still held when the hand-back failed");

        // Node A carries on: the next sweep hands the call to bob's session on node B, and only then lets go of it.
        await a.Hub.SweepAsync();
        Assert.False(hooked.Held.ContainsKey("c-3"));
        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "cancel", CallId = "c-3" })).Type);
    }

    [Fact]
    public async Task A_leftover_call_refused_by_a_session_that_ends_at_that_moment_still_reaches_its_callee_and_rings_out()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        var handler = (IBackplaneHandler)h.Hub;
        TestClient gina = await h.PeerAsync("gina");
        var carol = new PeerId("carol");
        CallState call = HeldCalls.Undelivered("c-7", "carol", "gina", h.Hub.NowMs + 30_000);

        // carol's hello finds her old session on node X, which never answers; meanwhile the survivor that adopted her
        // call hands it to her (held for the takeover), so it is left over for her new session.
        hooked.OwnerLookup = p => p == carol ? new SessionOwner("node-x", "s-old") : null;
        hooked.BeforeHandover = async _ =>
        {
            var handed = BackplaneEnvelope.Create(new ServerMessage { Type = MessageTypes.Invite, CallId = "c-7" });
            handed.Call = call;
            Assert.True(await handler.OnEnvelopeAsync(carol, handed));
            hooked.OwnerLookup = null;
            return false;
        };
        // The new session ends the moment it is owned (another hello of carol replaces it), before it takes the call.
        bool ended = false;
        hooked.AfterSetOwner = async (peer, _) =>
        {
            if (peer == carol && !ended)
            {
                ended = true;
                await handler.OnHandoverRequestedAsync(carol, null);
            }
        };
        TestClient carolClient = await h.ConnectAsync();
        await carolClient.HelloAsync(h.Token("carol"));
        Assert.True(ended);

        // The call is not lost: it reaches gina, and rings out at the ring time.
        await RingsOutAsync(h, hooked, gina, "c-7", TimeSpan.FromSeconds(31));
    }

    [Fact]
    public async Task A_handed_call_that_no_session_took_over_a_shared_bus_is_kept_and_reaches_its_callee()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient gina = await h.PeerAsync("gina");
        await ((IBackplaneHandler)h.Hub).OnHandedCallRefusedAsync(HeldCalls.Undelivered("c-8", "carol", "gina", h.Hub.NowMs + 30_000));

        Assert.True(hooked.Held.ContainsKey("c-8"));
        await h.Hub.SweepAsync(); // kept only: the sweep advances it
        await RingsOutAsync(h, hooked, gina, "c-8", TimeSpan.FromSeconds(31));
    }

    [Fact]
    public async Task A_refused_hand_back_is_only_recorded_on_the_node_channel_even_while_a_sweep_holds_the_adopted_calls()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        var handler = (IBackplaneHandler)h.Hub;
        TestClient gina = await h.PeerAsync("gina");
        await handler.OnInvitationsAdoptedAsync([HeldCalls.Undelivered("c-1", "carol", "zed", h.Hub.NowMs + 30_000)]);

        // The next sweep stops in the middle of its walk over the adopted calls (a slow Redis round trip).
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int publishes = 0;
        hooked.BeforePublish = async (_, envelope) =>
        {
            Interlocked.Increment(ref publishes);
            if (envelope.Message.CallId == "c-1" && entered.TrySetResult())
            {
                await resume.Task;
            }
        };
        Task sweep = h.Hub.SweepAsync();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            int before = Volatile.Read(ref publishes);
            // Before: this waited for the sweep, then walked every adopted call again, all on the node channel.
            await handler.OnHandedCallRefusedAsync(HeldCalls.Undelivered("c-8", "carol", "gina", h.Hub.NowMs + 30_000)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(before, Volatile.Read(ref publishes));
            Assert.True(hooked.Held.ContainsKey("c-8"));
            Assert.True(h.Hub.Invitations.IsAdopted("c-8"));
        }
        finally
        {
            resume.TrySetResult();
        }
        await sweep;
        await h.Hub.SweepAsync();
        Assert.Equal("c-8", (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);
    }

    [Fact]
    public async Task A_copy_kept_here_while_a_hand_back_releases_the_adopted_one_stays_held_in_the_backplane()
    {
        var bus = new InMemoryBackplane("node-a");
        var hooked = new HookedBackplane(bus);
        await using var a = new HubHarness(backplane: hooked);
        await using var b = new HubHarness(backplane: bus.CreateNode("node-b"));
        await a.StartAsync();
        await b.StartAsync();
        await b.PeerAsync("carol");
        hooked.OwnerMissed = p => p.Value == "carol";
        CallState adopted = HeldCalls.Undelivered("c-4", "carol", "zed", a.Hub.NowMs + 30_000);
        hooked.Held["c-4"] = adopted;
        await ((IBackplaneHandler)a.Hub).OnInvitationsAdoptedAsync([adopted]);

        // The hand-back's release of the adopted copy is overtaken by a copy of the same call kept on this node (a
        // hand-over routed here and refused): its write lands before the release.
        bool kept = false;
        hooked.BeforeRelease = async id =>
        {
            if (id == "c-4" && !kept)
            {
                kept = true;
                await ((IBackplaneHandler)a.Hub).OnHandedCallRefusedAsync(HeldCalls.Undelivered("c-4", "carol", "zed", a.Hub.NowMs + 30_000));
            }
        };
        hooked.OwnerMissed = null;
        await a.Hub.SweepAsync().WaitAsync(TimeSpan.FromSeconds(30)); // (before, the kept copy waited for this sweep)

        Assert.True(kept);
        Assert.True(a.Hub.Invitations.IsAdopted("c-4"));
        Assert.True(hooked.Held.ContainsKey("c-4"), "the kept copy is still held in the backplane");
    }

    [Fact]
    public async Task A_kept_call_rings_no_longer_than_the_ring_time()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient gina = await h.PeerAsync("gina");
        await ((IBackplaneHandler)h.Hub).OnHandedCallRefusedAsync(HeldCalls.Undelivered("c-9", "carol", "gina", long.MaxValue));
        await h.Hub.SweepAsync();
        await RingsOutAsync(h, hooked, gina, "c-9", TimeSpan.FromMilliseconds(h.Options.RingTimeoutMs + 1_000));
    }

    /// <summary>The call reaches <paramref name="callee"/>, rings out once <paramref name="ringTime"/> passed, and is no longer held.</summary>
    private static async Task RingsOutAsync(HubHarness h, HookedBackplane hooked, TestClient callee, string callId, TimeSpan ringTime)
    {
        Assert.Equal(callId, (await callee.ReceiveAsync(m => m.Type == "invite")).CallId);
        h.Time.Advance(ringTime);
        await h.Hub.SweepAsync();
        Assert.Equal(callId, (await callee.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.False(hooked.Held.ContainsKey(callId));
    }
}
