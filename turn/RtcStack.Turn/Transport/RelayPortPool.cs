using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Binds relay sockets on one relay address within [min-port, max-port] (coturn min-port/max-port).
/// Starts at a random port and walks the range, skipping ports it has handed out and ports the OS refuses
/// (taken by other programs), so an allocation costs one successful bind in the usual case. A port the OS refused is
/// skipped for <see cref="BusyMilliseconds"/>: when another program (or a second server on the same range) holds
/// much of the range, each allocation would otherwise pay a failed socket/bind/close and a thrown exception for every
/// such port it walks past.
/// </summary>
internal sealed class RelayPortPool(IPAddress address, int minPort, int maxPort)
{
    private const int RelaySocketBufferBytes = 1024 * 1024;

    /// <summary>How long a port the OS refused to bind is left out of the walk.</summary>
    internal const int BusyMilliseconds = 30_000;

    private readonly HashSet<int> _inUse = [];
    private readonly long[] _busyUntil = new long[Math.Max(maxPort - minPort + 1, 0)];
    private readonly Lock _lock = new();
    private long _bindFailures;

    internal IPAddress Address => address;

    /// <summary>Binds the OS refused so far (ports taken by other programs).</summary>
    internal long BindFailures => Interlocked.Read(ref _bindFailures);

    internal int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse.Count;
            }
        }
    }

    /// <summary>Binds a UDP socket on a free port; null when the range is exhausted.</summary>
    internal Socket? TryBind(bool evenPort = false) => TryBind(evenPort, tcp: false);

    /// <summary>
    /// Binds a listening TCP socket on a free port (an RFC 6062 relayed transport address); null when the range is
    /// exhausted. SO_REUSEADDR (which .NET maps to SO_REUSEADDR + SO_REUSEPORT on Linux) lets Connect bind its
    /// outgoing sockets to the same address and port (<see cref="TcpRelay"/>).
    /// </summary>
    internal Socket? TryBindTcp() => TryBind(evenPort: false, tcp: true);

    private Socket? TryBind(bool evenPort, bool tcp)
    {
        int size = maxPort - minPort + 1;
        int start = Random.Shared.Next(size);
        for (int i = 0; i < size; i++)
        {
            int port = minPort + ((start + i) % size);
            if ((evenPort && (port & 1) != 0) || !TryMark(port))
            {
                continue;
            }
            Socket? socket = null;
            try
            {
                socket = tcp
                    ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                    : new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false;
                }
                if (tcp)
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }
                socket.Bind(new IPEndPoint(address, port));
                if (tcp)
                {
                    socket.Listen(64);
                }
                else
                {
                    SizeBuffers(socket);
                }
                return socket;
            }
            catch (SocketException ex)
            {
                socket?.Dispose();
                if (!ReleaseAfterFailure(ex, port))
                {
                    return null; // out of descriptors, not a port problem: no other port would do (508)
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Binds an even port and the odd port above it (EVEN-PORT with the R bit, RFC 8656 §7.2 step 6);
    /// false when no such pair is free.
    /// </summary>
    internal bool TryBindPair([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Socket? even, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Socket? odd)
    {
        odd = null;
        int attempts = (maxPort - minPort + 1) / 2;
        for (int i = 0; i < attempts; i++)
        {
            even = TryBind(evenPort: true);
            if (even is null)
            {
                return false;
            }
            int port = ((IPEndPoint)even.LocalEndPoint!).Port;
            if (port + 1 <= maxPort && TryMark(port + 1))
            {
                odd = TryBindExact(port + 1);
                if (odd is not null)
                {
                    return true;
                }
            }
            even.Dispose();
            Release(port);
        }
        even = null;
        return false;
    }

    /// <summary>
    /// A relay socket takes bursts from its peer (a browser's data channel, a video key frame) faster than one
    /// poller thread may drain it; the default kernel receive buffer (~208 KiB) drops them unseen. 1 MiB is a cap
    /// the kernel fills only on demand (and clamps to net.core.rmem_max), so idle allocations cost nothing more.
    /// </summary>
    private static void SizeBuffers(Socket socket)
    {
        try
        {
            socket.ReceiveBufferSize = RelaySocketBufferBytes;
        }
        catch (SocketException)
        {
            // Kept at the system default.
        }
    }

    private Socket? TryBindExact(int port)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, port));
            SizeBuffers(socket);
            return socket;
        }
        catch (SocketException ex)
        {
            socket?.Dispose();
            ReleaseAfterFailure(ex, port);
            return null;
        }
    }

    internal void Release(int port)
    {
        lock (_lock)
        {
            _inUse.Remove(port);
        }
    }

    /// <summary>
    /// Gives back <paramref name="port"/> after its socket could not be made. Out of descriptors or memory it is not
    /// the port's fault (false: no other port would do either); otherwise the OS refused the port (another program
    /// holds it) and it is left out of the walk for <see cref="BusyMilliseconds"/> (true: try another).
    /// </summary>
    private bool ReleaseAfterFailure(SocketException exception, int port)
    {
        if (RtcStack.Net.AcceptBackoff.IsResourceExhaustion(exception))
        {
            Release(port);
            return false;
        }
        ReleaseBusy(port);
        return true;
    }

    /// <summary>Gives back a port the OS refused and leaves it out of the walk for <see cref="BusyMilliseconds"/>.</summary>
    private void ReleaseBusy(int port)
    {
        Interlocked.Increment(ref _bindFailures);
        lock (_lock)
        {
            _inUse.Remove(port);
            _busyUntil[port - minPort] = Environment.TickCount64 + BusyMilliseconds;
        }
    }

    private bool TryMark(int port)
    {
        lock (_lock)
        {
            return _busyUntil[port - minPort] <= Environment.TickCount64 && _inUse.Add(port);
        }
    }
}
