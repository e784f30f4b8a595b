namespace RtcStack.Signaling.Protocol;

/// <summary>
/// The fields of a relay frame the two readers (<see cref="RelayFrameScanner"/>, <see cref="RelayFrameCodec"/>) record
/// as seen, one bit each, and the rule both apply to decide whether a frame of a type carries its body.
/// </summary>
internal static class RelayFrameFields
{
    internal const int HasType = 1, HasId = 2, HasRoom = 4, HasTo = 8, HasSdp = 16, HasIce = 32, HasCandidate = 64, HasData = 128;

    /// <summary>Whether the fields in <paramref name="seen"/> include the body a frame of <paramref name="type"/> needs.</summary>
    internal static bool HasBody(string type, int seen) => type switch
    {
        MessageTypes.Offer or MessageTypes.Answer => (seen & HasSdp) != 0,
        MessageTypes.Candidate => (seen & HasCandidate) != 0,
        _ => (seen & HasData) != 0,
    };
}
