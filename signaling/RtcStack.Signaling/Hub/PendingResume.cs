using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// A session being taken over from another node: envelopes the backplane delivers for the peer before the
/// owner's state has arrived are held here, in order, and delivered after the handed-over frames. The gate
/// serializes holding and installing, so nothing is delivered twice or out of order. (The gate is never disposed:
/// a late envelope may still be waiting on it after the takeover; it has no wait handle to free.)
/// </summary>
internal sealed class PendingResume
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Envelopes received while waiting, in arrival order.</summary>
    public List<BackplaneEnvelope> Held { get; } = [];

    /// <summary>Set (under the gate) once the session is installed; later envelopes go to it directly.</summary>
    public Session? Session { get; set; }

    /// <summary>Set (under the gate) when the takeover gave up: envelopes are no longer held.</summary>
    public bool Abandoned { get; set; }
}
