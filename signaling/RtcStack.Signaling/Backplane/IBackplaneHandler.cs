namespace RtcStack.Signaling.Backplane;

/// <summary>What a node does with what the backplane delivers to it (implemented by the signaling hub).</summary>
public interface IBackplaneHandler
{
    /// <summary>An envelope for <paramref name="recipient"/>, a peer this node subscribed.</summary>
    ValueTask OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope);

    /// <summary>Another node takes over <paramref name="peer"/>; see <see cref="IBackplane.RequestHandoverAsync"/>.</summary>
    ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId);
}
