namespace RtcStack.Signaling.Backplane;

/// <summary>A serialized server frame kept for resume.</summary>
public sealed record BufferedFrame(long Seq, string Json);
