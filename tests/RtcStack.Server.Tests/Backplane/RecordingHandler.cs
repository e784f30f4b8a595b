using System.Collections.Concurrent;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;

namespace RtcStack.Server.Tests.Backplane;

/// <summary>An <see cref="IBackplaneHandler"/> that records deliveries and answers handovers with a preset state.</summary>
internal sealed class RecordingHandler : IBackplaneHandler
{
    public ConcurrentQueue<(string Peer, BackplaneEnvelope Envelope)> Delivered { get; } = new();

    public ConcurrentQueue<(string Peer, string? Session)> HandoverRequests { get; } = new();

    public ResumeState? HandoverAnswer { get; set; }

    /// <summary>How many envelopes had been delivered when the (last) handover request came; -1 before any.</summary>
    public int DeliveredAtHandover { get; private set; } = -1;

    /// <summary>When set, awaited with the envelope's text before it is recorded (lets a test hold a node's queue).</summary>
    public Func<string, Task>? Hold { get; set; }

    public async ValueTask<bool> OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope)
    {
        if (Hold is { } hold)
        {
            await hold(envelope.Message.Message ?? "");
        }

        Delivered.Enqueue((recipient.Value, envelope));
        return true;
    }

    /// <summary>When set, awaited before a handover request is answered (lets a test hold the owner mid-handover).</summary>
    public Func<Task>? HoldHandover { get; set; }

    public async ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId)
    {
        DeliveredAtHandover = Delivered.Count;
        HandoverRequests.Enqueue((peer.Value, resumeSessionId));
        if (HoldHandover is { } hold)
        {
            await hold();
        }

        return HandoverAnswer;
    }

    /// <summary>Memberships the backplane reported lost (a dead node's sessions, or an owner that did not answer).</summary>
    public ConcurrentQueue<LostMembership> Lost { get; } = new();

    public ValueTask OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost)
    {
        foreach (LostMembership membership in lost)
        {
            Lost.Enqueue(membership);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Peers whose sessions the backplane reported lost (to every node).</summary>
    public ConcurrentQueue<string> LostPeers { get; } = new();

    public ValueTask OnPeersLostAsync(IReadOnlyList<PeerId> peers)
    {
        foreach (PeerId peer in peers)
        {
            LostPeers.Enqueue(peer.Value);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Presence repairs reported after a Redis outage.</summary>
    public ConcurrentQueue<PresenceRepair> Repairs { get; } = new();

    public ValueTask OnPresenceRepairedAsync(PresenceRepair repair)
    {
        Repairs.Enqueue(repair);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sessions written back by a node that had been swept as dead.</summary>
    public ConcurrentQueue<string> Revived { get; } = new();

    public ValueTask OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers)
    {
        foreach (PeerId peer in peers)
        {
            Revived.Enqueue(peer.Value);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Invitations adopted from a dead node.</summary>
    public ConcurrentQueue<CallState> Adopted { get; } = new();

    public ValueTask OnInvitationsAdoptedAsync(IReadOnlyList<CallState> calls)
    {
        foreach (CallState call in calls)
        {
            Adopted.Enqueue(call);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Held invitations this node was told were answered (<see cref="IBackplane.EndHeldInvitationAsync"/>).</summary>
    public ConcurrentQueue<string> Ended { get; } = new();

    public ValueTask OnHeldInvitationEndedAsync(string callId)
    {
        Ended.Enqueue(callId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Held invitations a survivor adopted while this node was presumed dead.</summary>
    public ConcurrentQueue<string> Taken { get; } = new();

    public ValueTask OnHeldInvitationsTakenAsync(IReadOnlyList<string> callIds)
    {
        foreach (string callId in callIds)
        {
            Taken.Enqueue(callId);
        }

        return ValueTask.CompletedTask;
    }

    public string[] TextsFor(string peer) => [.. Delivered.Where(d => d.Peer == peer).Select(d => d.Envelope.Message.Message ?? "")];
}
