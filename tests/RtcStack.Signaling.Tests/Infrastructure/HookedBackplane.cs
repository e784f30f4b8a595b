using System.Collections.Concurrent;
using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>
/// A backplane that forwards everything to another one, with hooks for the failures a test needs: an owner lookup
/// that finds a session elsewhere, a handover that waits or never answers, a release that fails; and envelopes that are
/// copied on the way, as a networked backplane does.
/// </summary>
internal sealed class HookedBackplane(IBackplane inner) : IBackplane
{
    /// <summary>A non-null result replaces the owner the inner backplane would find.</summary>
    public Func<PeerId, SessionOwner?>? OwnerLookup { get; set; }

    /// <summary>True for a peer whose owner the lookup does not find (a read that misses a session just written).</summary>
    public Func<PeerId, bool>? OwnerMissed { get; set; }

    /// <summary>Runs before a handover is asked for; false: the owner never answers (no session comes back).</summary>
    public Func<SessionOwner, Task<bool>>? BeforeHandover { get; set; }

    /// <summary>A non-null result is thrown by <see cref="ReleaseInvitationAsync"/>.</summary>
    public Func<string, Exception?>? ReleaseFailure { get; set; }

    /// <summary>Runs before <see cref="ReleaseInvitationAsync"/> goes on (what happens meanwhile on the node).</summary>
    public Func<string, Task>? BeforeRelease { get; set; }

    /// <summary>A non-null function replaces every published envelope (e.g. a JSON round trip); then nothing is delivered by reference.</summary>
    public Func<BackplaneEnvelope, BackplaneEnvelope>? Published { get; set; }

    /// <summary>Runs before an envelope is published to a peer (a throw stands for the node stopping right there).</summary>
    public Func<PeerId, BackplaneEnvelope, Task>? BeforePublish { get; set; }

    /// <summary>Runs after a session owner was recorded (what happens to that session right then).</summary>
    public Func<PeerId, SessionOwner, Task>? AfterSetOwner { get; set; }

    /// <summary>
    /// The invitations this node holds in the backplane, by call id (hold adds, release removes), as a distributed
    /// backplane keeps them for the node; a test adds those a sweep moved here.
    /// </summary>
    public ConcurrentDictionary<string, CallState> Held { get; } = new(StringComparer.Ordinal);

    public string NodeId => inner.NodeId;

    public bool IsHealthy => inner.IsHealthy;

    public bool DeliversByReference => Published is null && inner.DeliversByReference;

    public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) => inner.StartAsync(handler, cancellationToken);

    public async ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        if (BeforePublish is { } before)
        {
            await before(peer, envelope);
        }
        return await inner.PublishToPeerAsync(peer, Published?.Invoke(envelope) ?? envelope, cancellationToken);
    }

    public ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken) => inner.PublishToRoomAsync(room, Published?.Invoke(envelope) ?? envelope, cancellationToken);

    public ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => inner.SubscribePeerAsync(peer, cancellationToken);

    public ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => inner.UnsubscribePeerAsync(peer, cancellationToken);

    public ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken) =>
        inner.AddMemberAsync(room, member, capacity, cancellationToken);

    public ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken) => inner.UpdateMemberAsync(room, member, cancellationToken);

    public ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => inner.RemoveMemberAsync(room, peer, cancellationToken);

    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => inner.IsMemberAsync(room, peer, cancellationToken);

    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) => inner.GetMembersAsync(room, cancellationToken);

    public async ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken)
    {
        SessionOwner? previous = await inner.SetSessionOwnerAsync(peer, owner, cancellationToken);
        if (AfterSetOwner is { } after)
        {
            await after(peer, owner);
        }
        return previous;
    }

    public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken) =>
        OwnerMissed?.Invoke(peer) == true ? ValueTask.FromResult<SessionOwner?>(null)
        : OwnerLookup?.Invoke(peer) is { } owner ? ValueTask.FromResult<SessionOwner?>(owner) : inner.GetSessionOwnerAsync(peer, cancellationToken);

    public ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken) =>
        inner.RemoveSessionOwnerAsync(peer, sessionId, cancellationToken);

    public ValueTask HoldInvitationAsync(CallState call, CancellationToken cancellationToken)
    {
        Held[call.Id] = call;
        return inner.HoldInvitationAsync(call, cancellationToken);
    }

    public async ValueTask ReleaseInvitationAsync(string callId, CancellationToken cancellationToken)
    {
        if (BeforeRelease is { } before)
        {
            await before(callId);
        }
        if (ReleaseFailure?.Invoke(callId) is { } failure)
        {
            throw failure;
        }
        Held.TryRemove(callId, out _);
        await inner.ReleaseInvitationAsync(callId, cancellationToken);
    }

    /// <summary>Runs on <see cref="EndHeldInvitationAsync"/> (what the script does: tell the node that holds the call).</summary>
    public Func<string, Task>? OnEndHeld { get; set; }

    public async ValueTask EndHeldInvitationAsync(string callId, CancellationToken cancellationToken)
    {
        if (OnEndHeld is { } end)
        {
            await end(callId);
        }
        await inner.EndHeldInvitationAsync(callId, cancellationToken);
    }

    public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        if (BeforeHandover is { } before && !await before(owner))
        {
            return null;
        }
        return await inner.RequestHandoverAsync(owner, peer, resumeSessionId, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
