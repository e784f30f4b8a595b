using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// An invitation held for an offline callee by a node that dies, whose caller comes back on a third node (real
/// redis-server; the doomed node in its own process, killed): the survivor that adopted it hands the call over Redis to
/// the caller's new session there and lets go of its own copy only then, so after the caller cancels it nobody
/// delivers it to the callee any more.
/// </summary>
public sealed class HeldInvitationHandBackTests() : DoomedNodeTests("RingTimeoutMs=60000")
{
    [Fact]
    public async Task An_adopted_invitation_is_handed_to_its_caller_on_another_node_and_no_copy_is_left_behind()
    {
        // A long liveness TTL: the third node's first sweep comes long after the test, so the survivor adopts the invitation.
        await using TestNode other = await TestNode.StartAsync(RedisSetting, "RedisBackplane:NodeLivenessTtl=00:05:00", "RingTimeoutMs=60000");
        await Eventually.TrueAsync(async () => await other.GetStatusAsync("/readyz") == 200, "the third node is ready");
        await using var balancer = new LoadBalancer(Doomed.BaseAddress);
        var (bob, bobEvents) = await Survivor.ConnectViaAsync(balancer, "bob");
        string call = await bob.InviteAsync("gina", "r");

        balancer.Target = other.BaseAddress;
        await Doomed.KillAsync();
        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2 && bob.State == ConnectionState.Connected, "bob is connected again", TimeSpan.FromSeconds(60));

        // Once the survivor handed the call to bob's new session, bob can cancel it (before that: unknown-call).
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await bob.CancelAsync(call);
                    return true;
                }
                catch (SignalingException)
                {
                    return false;
                }
            },
            "bob's new session has the call back",
            TimeSpan.FromSeconds(60));

        // Cancelled while gina was offline: no node delivers it to her when she connects (the survivor let go of its copy).
        var (_, ginaOnSurvivor) = await Survivor.ConnectAsync("gina");
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few of the survivor's once-a-second sweeps
        Assert.DoesNotContain(ginaOnSurvivor.OfType(MessageTypes.Invite), m => m.CallId == call);
        Assert.DoesNotContain(bobEvents.OfType(MessageTypes.InviteTimeout), m => m.CallId == call);
    }
}
