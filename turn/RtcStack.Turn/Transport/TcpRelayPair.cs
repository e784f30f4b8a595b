using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One data connection <see cref="TcpRelayLoop"/> relays: the client's and the peer's socket (handles referenced while
/// relayed), their slot in the loop's table and a <see cref="TcpRelayDirection"/> each way, which <see cref="Pump"/>
/// moves on the loop's thread as each epoll event allows.
/// </summary>
internal sealed class TcpRelayPair(ITcpRelayEnds owner, Socket client, Socket peer)
{
    private readonly SafeHandle _client = client.SafeHandle, _peer = peer.SafeHandle;
    private bool _clientRef, _peerRef;
    private TcpRelayDirection _up, _down;

    internal ITcpRelayEnds Owner { get; } = owner;

    internal TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal int ClientFd { get; private set; } = -1;

    internal int PeerFd { get; private set; } = -1;

    internal int Slot { get; set; }

    internal uint Generation { get; set; }

    internal bool Finished => _up.Shut && _down.Shut;

    /// <summary>References both handles and makes the sockets non-blocking; false on failure (call <see cref="Release"/>).</summary>
    internal bool Open()
    {
        try
        {
            _client.DangerousAddRef(ref _clientRef);
            _peer.DangerousAddRef(ref _peerRef);
            client.Blocking = false;
            peer.Blocking = false;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            return false; // closed meanwhile: the caller's fallback sees it and closes
        }
        ClientFd = (int)_client.DangerousGetHandle();
        PeerFd = (int)_peer.DangerousGetHandle();
        return true;
    }

    /// <summary>
    /// Moves what the event on one socket (<paramref name="peerSide"/> or the client's) lets move: readable, the
    /// direction that reads it; writable, the direction that writes it when that one holds bytes (a hang-up or
    /// error, both). A failure reason, or null.
    /// </summary>
    internal string? Pump(bool peerSide, uint events, byte[] buffer)
    {
        const uint Readable = LinuxNative.EpollIn | LinuxNative.EpollRdHup | LinuxNative.EpollHup | LinuxNative.EpollErr;
        const uint Writable = LinuxNative.EpollOut | LinuxNative.EpollHup | LinuxNative.EpollErr;
        const uint Failed = LinuxNative.EpollHup | LinuxNative.EpollErr;
        bool up = (events & (peerSide ? Writable : Readable)) != 0 && (!peerSide || _up.IsHolding || (events & Failed) != 0);
        bool down = (events & (peerSide ? Readable : Writable)) != 0 && (peerSide || _down.IsHolding || (events & Failed) != 0);
        bool hungUp = (events & (Failed | LinuxNative.EpollRdHup)) != 0;
        if (up && !_up.Pump(ClientFd, PeerFd, buffer, Owner, toPeer: true, sourceHungUp: hungUp && !peerSide))
        {
            return "client data connection failed";
        }
        return !down || _down.Pump(PeerFd, ClientFd, buffer, Owner, toPeer: false, sourceHungUp: hungUp && peerSide)
            ? null : "peer connection failed";
    }

    internal void Release()
    {
        _up.ReturnHeld();
        _down.ReturnHeld();
        if (_clientRef)
        {
            _clientRef = false;
            _client.DangerousRelease();
        }
        if (_peerRef)
        {
            _peerRef = false;
            _peer.DangerousRelease();
        }
    }
}
