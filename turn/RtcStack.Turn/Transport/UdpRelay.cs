using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The relay socket of one allocation. Datagrams from peers are received into a pinned buffer at offset
/// <see cref="Headroom"/>, leaving room to write a ChannelData header or a Data indication in front without
/// copying. On Linux x64 the socket is watched by the server's <see cref="RelayPoller"/> (its threads call
/// <see cref="Drain"/>, which moves batches with recvmmsg/sendmmsg); elsewhere it has its own async receive loop.
/// Neither allocates per datagram.
/// </summary>
internal sealed partial class UdpRelay : IAsyncDisposable
{
    /// <summary>Room before the payload: STUN header 20 + XOR-PEER-ADDRESS (IPv6) 24 + DATA header 4.</summary>
    internal const int Headroom = 48;

    /// <summary>Largest peer datagram relayed; larger ones are dropped and counted as malformed.</summary>
    internal const int MaxPayload = 4096;

    /// <summary>Room after the payload: padding 3 + FINGERPRINT 8, rounded.</summary>
    internal const int Tailroom = 16;

    private readonly Socket _socket;
    private readonly RelayPortPool _pool;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private RelayPoller? _poller;
    private StreamPoller? _streamPoller;
    private Allocation? _allocation;
    private PeerDataRelay? _relay;
    private uint _pollGeneration;

    internal UdpRelay(Socket socket, RelayPortPool pool)
    {
        _socket = socket;
        _pool = pool;
        var local = (IPEndPoint)socket.LocalEndPoint!;
        LocalAddress = TransportAddress.FromEndPoint(local);
    }

    /// <summary>The address and port the relay socket is bound to.</summary>
    internal TransportAddress LocalAddress { get; }

    internal Socket Socket => _socket;

    /// <summary>Where a poller keeps this relay (<see cref="RelaySlots"/>: slot, generation (0 when not registered), epoll fd; -1 when not registered).</summary>
    internal int PollSlot { get; set; }

    internal uint PollGeneration
    {
        get => Volatile.Read(ref _pollGeneration);
        set => Volatile.Write(ref _pollGeneration, value);
    }

    internal int PollFd { get; set; } = -1;

    /// <summary>Reads ICMP errors from the socket's error queue when <see cref="TurnOptions.ReportIcmp"/> is on (set before it is enabled).</summary>
    internal IcmpReporter? Icmp { get; set; }

    /// <summary>
    /// Starts receiving from peers for <paramref name="allocation"/>: on the thread that reads its TCP/TLS client, through
    /// the server's <see cref="RelayPoller"/> when there is one (and it accepts the socket), otherwise with an async receive loop.
    /// </summary>
    internal void Start(Allocation allocation, TurnState state)
    {
        Attach(allocation, state.PeerRelay, state);
        PeerDataRelay relay = state.PeerRelay;
        ILogger logger = state.Logger;
        RelayPoller? poller = state.Poller;
        if (poller is not null && ServeOnClientThread && allocation.Client is StreamConnection { PollReader: { PollFd: >= 0 } reader }
            && reader.Poller.AddRelay(this, reader.PollFd))
        {
            _streamPoller = reader.Poller; // the client connection's poller thread relays the peers' answers too
            return;
        }
        if (poller is not null && poller.Add(this))
        {
            _poller = poller;
            return;
        }
        _loop = Task.Run(() => ReceiveLoopAsync(allocation, relay, logger));
    }

    /// <summary>
    /// Whether the relay socket of a TCP/TLS client's allocation is served by the <see cref="StreamPoller"/> thread that reads the
    /// client connection (default) rather than by <see cref="RelayPoller"/>; <c>RTCSTACK_TURN_STREAM_RELAYS=0</c> turns it off
    /// (to measure one against the other).
    /// </summary>
    internal static bool ServeOnClientThread { get; set; } = Environment.GetEnvironmentVariable("RTCSTACK_TURN_STREAM_RELAYS") != "0";

    /// <summary>
    /// Where <see cref="Drain"/> delivers datagrams, and the server whose table <see cref="Abandon"/> closes the allocation in
    /// (set by <see cref="Start"/>; tests call it alone).
    /// </summary>
    internal void Attach(Allocation allocation, PeerDataRelay relay, TurnState? state = null)
    {
        _allocation = allocation;
        _relay = relay;
        _state = state;
    }

    /// <summary>
    /// Called by the poller when the socket is readable: receives the queued datagrams with recvmmsg into
    /// <paramref name="batch"/> (the poller thread's own, headroom <see cref="Headroom"/>), frames each for the client
    /// in place and sends them all through <paramref name="sends"/>: one sendmmsg for a UDP client, one write for a
    /// TCP/TLS client
    /// (<paramref name="from"/> is reused for each sender's address). At most 4 batches per call, so one busy
    /// relay cannot starve the others on the thread (epoll is level-triggered and reports the rest).
    /// </summary>
    internal void Drain(DatagramBatch batch, SendBatch sends, SocketAddress from)
    {
        System.Runtime.InteropServices.SafeHandle handle = _socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return; // closed concurrently
        }
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            for (int round = 0; round < 4; round++)
            {
                int n = batch.Receive(fd, LinuxNative.MsgDontWait);
                if (n <= 0)
                {
                    return; // EAGAIN: drained (other errors: try again on the next readiness)
                }
                for (int i = 0; i < n; i++)
                {
                    Deliver(batch, i, sends, from);
                }
                sends.Flush(); // before the slots are reused
                if (n < batch.Count)
                {
                    return;
                }
            }
        }
        finally
        {
            sends.Flush();
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private void Deliver(DatagramBatch batch, int index, SendBatch sends, SocketAddress from)
    {
        if (batch.Truncated(index))
        {
            _relay!.Metrics.Malformed();
            return;
        }
        batch.CopyAddress(index, from);
        Span<byte> slot = batch.Slot(index);
        Allocation allocation = _allocation!;
        int total = _relay!.Frame(allocation, slot, batch.Length(index), from, out int start);
        if (total <= 0)
        {
            return;
        }
        if (allocation.Client is UdpClientSink udp)
        {
            sends.Add(udp.Socket, slot.Slice(start, total), udp.Address);
        }
        else if (allocation.Client.IsStream)
        {
            sends.AddStream(allocation.Client, slot.Slice(start, total)); // frames on a stream may be concatenated
        }
        else
        {
            allocation.Client.Send(slot.Slice(start, total));
        }
    }

    /// <summary>
    /// Sends a datagram to a peer, or queues it on <paramref name="batch"/> when there is one (then
    /// <paramref name="payload"/> must be pinned and unchanged until the batch is flushed); never throws.
    /// </summary>
    internal void Send(ReadOnlySpan<byte> payload, SocketAddress peer, SendBatch? batch)
    {
        if (batch is null)
        {
            SendTo(payload, peer);
        }
        else
        {
            batch.Add(_socket, payload, peer);
        }
    }

    /// <summary>Sends a datagram to a peer; never throws.</summary>
    internal void SendTo(ReadOnlySpan<byte> payload, SocketAddress peer)
    {
        try
        {
            _socket.SendTo(payload, SocketFlags.None, peer);
        }
        catch (SocketException)
        {
            // UDP may drop (full buffer, ICMP error): so do we.
        }
        catch (ObjectDisposedException)
        {
            // The allocation was closed concurrently.
        }
    }

    private async Task ReceiveLoopAsync(Allocation allocation, PeerDataRelay relay, ILogger logger)
    {
        SocketAddress from = SocketAddressReader.Create(_socket.AddressFamily);
        byte[] buffer = GC.AllocateUninitializedArray<byte>(Headroom + MaxPayload + Tailroom, pinned: true);
        Memory<byte> window = buffer.AsMemory(Headroom, MaxPayload);
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(window, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (token.IsCancellationRequested && ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                relay.Metrics.Malformed();
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                TurnLog.ReceiveLoopFailed(logger, ex, LocalAddress.ToString());
                return;
            }
            relay.OnPeerDatagram(allocation, buffer, received, from);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _poller?.Remove(this);
        _streamPoller?.RemoveRelay(this);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }
        _pool.Release(LocalAddress.Port);
        _stop.Dispose();
    }
}
