using System.Runtime.InteropServices;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One outgoing RFC 6062 Connect (§5.2) made without .NET's socket engine: a non-blocking socket bound to the relayed
/// address, connect(2), and the end of the handshake awaited on <see cref="TcpRelayLoop"/>'s epoll (writable, or an
/// error or hang-up). The socket never joins .NET's engine, whose edge-triggered registration would otherwise wake
/// its thread for every message the relay later moves on it. <see cref="Result"/> gives the connected descriptor
/// (the caller owns it) or a negative errno; <see cref="Abort"/> (timeout, allocation closed) ends a handshake in
/// progress with <see cref="Aborted"/>. The descriptor is closed here on every outcome but success.
/// </summary>
internal sealed unsafe class TcpRelayConnect
{
    /// <summary>The result of an aborted handshake (-ECANCELED).</summary>
    internal const int Aborted = -125;

    private const int Connecting = 0, Aborting = 1, Ended = 2;
    private const int ConnectionReset = 104;

    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<int> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    private TcpRelayConnect(int fd) => Fd = fd;

    internal int Fd { get; }

    /// <summary>The connected descriptor, or a negative errno (<see cref="Aborted"/> after <see cref="Abort"/>).</summary>
    internal Task<int> Result => _result.Task;

    /// <summary>
    /// Opens a socket bound to <paramref name="local"/> (its port when the OS allows, another otherwise) and starts
    /// connecting it to <paramref name="remote"/>; <paramref name="inProgress"/> when the loop must wait for the end.
    /// Null when no socket could be made (the result is then a failure the caller maps to 447).
    /// </summary>
    internal static TcpRelayConnect? Start(in TransportAddress local, in TransportAddress remote, out bool inProgress)
    {
        inProgress = false;
        if (local.IsIPv4 != remote.IsIPv4)
        {
            return null;
        }
        int fd = LinuxNative.Socket(local.IsIPv4 ? LinuxNative.AfInet : LinuxNative.AfInet6, LinuxNative.SockStreamNonBlockCloexec, 0);
        if (fd < 0)
        {
            return null;
        }
        var connect = new TcpRelayConnect(fd);
        byte* address = stackalloc byte[SocketAddressReader.SockaddrIn6];
        var raw = new Span<byte>(address, SocketAddressReader.SockaddrIn6);
        int one = 1;
        _ = LinuxNative.SetSockOpt(fd, LinuxNative.SolSocket, LinuxNative.SoReuseAddr, &one, sizeof(int));
        _ = LinuxNative.SetSockOpt(fd, LinuxNative.SolSocket, LinuxNative.SoReusePort, &one, sizeof(int)); // as .NET's ReuseAddress: the listener has both
        int length = SocketAddressReader.Write(local, local.Port, raw);
        if (LinuxNative.Bind(fd, address, length) != 0)
        {
            length = SocketAddressReader.Write(local, 0, raw); // the relayed port is taken for this peer: any port of the relayed address
            if (LinuxNative.Bind(fd, address, length) != 0)
            {
                connect.Fail(Marshal.GetLastPInvokeError());
                return connect;
            }
        }
        length = SocketAddressReader.Write(remote, remote.Port, raw);
        if (LinuxNative.Connect(fd, address, length) == 0)
        {
            connect.End(0); // not for TCP on Linux, but allowed
            return connect;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno != LinuxNative.EInProgress)
        {
            connect.Fail(errno);
            return connect;
        }
        inProgress = true;
        return connect;
    }

    /// <summary>Ends a handshake still in progress (timeout, allocation closed): the loop then completes it as <see cref="Aborted"/>.</summary>
    internal void Abort()
    {
        lock (_lock)
        {
            if (_state == Connecting)
            {
                _state = Aborting;
                _ = LinuxNative.Shutdown(Fd, LinuxNative.ShutRdWr); // a connecting socket disconnects: the loop's epoll reports a hang-up
            }
        }
    }

    /// <summary>The loop saw the handshake end (<paramref name="events"/>) and no longer watches the socket.</summary>
    internal void Completed(uint events)
    {
        int error = 0, size = sizeof(int);
        if (LinuxNative.GetSockOpt(Fd, LinuxNative.SolSocket, LinuxNative.SoError, &error, &size) != 0)
        {
            error = Marshal.GetLastPInvokeError();
        }
        if (error == 0 && (events & (LinuxNative.EpollHup | LinuxNative.EpollErr)) != 0)
        {
            error = ConnectionReset; // hung up without an error
        }
        End(error);
    }

    /// <summary>The handshake could not start or be watched (<paramref name="errno"/>).</summary>
    internal void Fail(int errno) => End(errno == 0 ? ConnectionReset : errno);

    private void End(int error)
    {
        bool aborted;
        lock (_lock)
        {
            aborted = _state == Aborting;
            _state = Ended;
        }
        if (error == 0 && !aborted)
        {
            _result.TrySetResult(Fd);
            return;
        }
        _ = LinuxNative.Close(Fd);
        _result.TrySetResult(aborted ? Aborted : -error);
    }
}
