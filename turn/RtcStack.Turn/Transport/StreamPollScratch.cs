using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One <see cref="StreamPoller"/> thread's buffers, shared by every connection that thread reads: a connection copies
/// its partial frame (or partial TLS record) to the front, reads behind it, processes what is complete in place and
/// keeps only the new partial tail, so an idle connection holds no buffer. Pinned, because ChannelData for UDP peers are
/// queued by reference in <see cref="Ingress"/>'s send batch until it is flushed at the end of the read.
/// </summary>
internal sealed class StreamPollScratch : IDisposable
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

    private DatagramBatch? _relay;
    private SendBatch? _relaySends;
    private SocketAddress? _from4;
    private SocketAddress? _from6;

    /// <summary>Where the thread receives from the relay sockets it serves (<see cref="StreamPoller.AddRelay"/>); made on first use.</summary>
    internal DatagramBatch Relay => _relay ??= new DatagramBatch(RelayBatchSize, UdpRelay.Headroom + UdpRelay.MaxPayload + UdpRelay.Tailroom, UdpRelay.Headroom, UdpRelay.MaxPayload);

    /// <summary>What those relays send to their clients, flushed per drained batch.</summary>
    internal SendBatch RelaySends => _relaySends ??= new SendBatch(RelayBatchSize);

    /// <summary>Datagrams per recvmmsg on a relay socket, as on <see cref="RelayPoller"/>'s threads.</summary>
    private const int RelayBatchSize = 32;

    /// <summary>The thread's reused peer address for <paramref name="family"/>.</summary>
    internal SocketAddress From(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? _from6 ??= SocketAddressReader.Create(AddressFamily.InterNetworkV6)
        : _from4 ??= SocketAddressReader.Create(AddressFamily.InterNetwork);

    /// <summary>Frees the relay batches' native memory (a poller thread that ends).</summary>
    public void Dispose()
    {
        _relay?.Dispose();
        _relaySends?.Dispose();
        _relay = null;
        _relaySends = null;
    }
}
