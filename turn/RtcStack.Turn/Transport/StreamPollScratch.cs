using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One <see cref="StreamPoller"/> thread's buffers, shared by every connection that thread reads: a connection copies
/// its partial frame (or partial TLS record) to the front, reads behind it, processes what is complete in place and
/// keeps only the new partial tail, so an idle connection holds no buffer. Pinned, because ChannelData for UDP peers are
/// queued by reference in <see cref="Ingress"/>'s send batch until it is flushed at the end of the read.
/// </summary>
internal sealed class StreamPollScratch
{
    /// <summary>Bytes read from a socket at most per wake-up.</summary>
    internal const int ReadSize = 64 * 1024;

    /// <summary>Longest partial frame a connection can hold: a frame is at most this long (RFC 8489 §6.2.2 framing).</summary>
    internal const int MaxPartial = StunFraming.MaxFrameLength + 4;

    /// <summary>Longest TLS record on the wire (RFC 8446 §5.2: 2^14 + 256 bytes of ciphertext; TLS 1.2: 2^14 + 2048) plus its header.</summary>
    internal const int MaxRecord = 5 + (1 << 14) + 2048;

    /// <summary>Where a read lands: plain TCP bytes, or TLS ciphertext (after a partial record of at most <see cref="MaxRecord"/>).</summary>
    internal byte[] Read { get; } = GC.AllocateUninitializedArray<byte>(MaxPartial + ReadSize, pinned: true);

    /// <summary>Plaintext of a TLS connection: a partial frame, then room for at least two records.</summary>
    internal byte[] Plain { get; } = GC.AllocateUninitializedArray<byte>(MaxPartial + (2 * MaxRecord), pinned: true);

    /// <summary>The thread's own scratch for processing frames (responses, Send indications, the peer send batch).</summary>
    internal IngressState Ingress { get; } = IngressPool.Rent();
}
