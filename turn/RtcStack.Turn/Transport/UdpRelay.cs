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
/// <see cref="Drain"/>); elsewhere it has its own async receive loop. Neither allocates per datagram.
/// </summary>
internal sealed class UdpRelay : IAsyncDisposable
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
    private Allocation? _allocation;
    private PeerDataRelay? _relay;

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

    /// <summary>Where <see cref="RelayPoller"/> keeps this relay (slot, generation, epoll fd; -1 when not registered).</summary>
    internal int PollSlot { get; set; }

    internal uint PollGeneration { get; set; }

    internal int PollFd { get; set; } = -1;

    /// <summary>
    /// Starts receiving from peers for <paramref name="allocation"/>: through <paramref name="poller"/> when there is
    /// one (and it accepts the socket), otherwise with an async receive loop.
    /// </summary>
    internal void Start(Allocation allocation, PeerDataRelay relay, ILogger logger, RelayPoller? poller)
    {
        Attach(allocation, relay);
        if (poller is not null && poller.Add(this))
        {
            _poller = poller;
            return;
        }
        _loop = Task.Run(() => ReceiveLoopAsync(allocation, relay, logger));
    }

    /// <summary>Where <see cref="Drain"/> delivers datagrams (set by <see cref="Start"/>; tests call it alone).</summary>
    internal void Attach(Allocation allocation, PeerDataRelay relay)
    {
        _allocation = allocation;
        _relay = relay;
    }

    /// <summary>
    /// Called by the poller when the socket is readable: receives up to 32 queued datagrams without blocking and
    /// relays each into <paramref name="buffer"/> (the poller thread's own), with <paramref name="from"/> reused.
    /// </summary>
    internal unsafe void Drain(byte[] buffer, SocketAddress from)
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
            Span<byte> address = from.Buffer.Span;
            fixed (byte* data = buffer)
            fixed (byte* raw = address)
            {
                for (int i = 0; i < 32; i++)
                {
                    int length = address.Length;
                    nint received = LinuxNative.RecvFrom(fd, data + Headroom, MaxPayload, LinuxNative.MsgDontWait | LinuxNative.MsgTrunc, raw, &length);
                    if (received < 0)
                    {
                        return; // EAGAIN: drained (other errors: try again on the next readiness)
                    }
                    if (received > MaxPayload)
                    {
                        _relay!.Metrics.Malformed();
                        continue;
                    }
                    _relay!.OnPeerDatagram(_allocation!, buffer, (int)received, from);
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
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
