using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>
/// One ICE-lite transport (RFC 8445 §2.5) on the shared <see cref="IceLiteServer"/> port: our credentials,
/// the remote addresses that passed a check, the selected one, and consent freshness (RFC 7675).
/// Non-STUN datagrams from authenticated addresses arrive through <see cref="PacketReceived"/>.
/// </summary>
public sealed class IceTransport : IDisposable
{
    private readonly IceLiteServer _server;
    private readonly Lock _gate = new();
    private readonly Dictionary<(TransportAddress, TransportProtocol), long> _validated = [];
    private readonly List<IceTcpConnection> _tcpConnections = []; // under _gate: ICE-TCP connections that passed a check
    private IcePath? _selectedPath;

    internal IceTransport(IceLiteServer server, IceCredentials local)
    {
        _server = server;
        LocalCredentials = local;
    }

    /// <summary>Our ufrag and password (the ones in our SDP).</summary>
    public IceCredentials LocalCredentials { get; private set; }

    /// <summary>The remote ufrag seen in the last valid check (second half of USERNAME), or null.</summary>
    public string? RemoteUfrag { get; private set; }

    /// <summary>
    /// The peer's ufrag from its SDP (<c>a=ice-ufrag</c>), when known; null accepts any. Once set, a check whose
    /// USERNAME is not "ourUfrag:thisUfrag" gets 401 and changes nothing (RFC 8445 §7.3, §7.2.2). Set it again
    /// with the new ufrag when the peer restarts ICE. Default null.
    /// </summary>
    public string? ExpectedRemoteUfrag { get; set; }

    /// <summary>The state.</summary>
    public IceState State { get; private set; }

    /// <summary>Where we send: the nominated address, else the last address that passed a check.</summary>
    public TransportAddress? SelectedRemote { get; private set; }

    /// <summary>UDP, or TCP for an ICE-TCP pair (RFC 6544).</summary>
    public TransportProtocol SelectedProtocol => _selectedPath?.Protocol ?? TransportProtocol.Udp;

    /// <summary>True once USE-CANDIDATE was received on a valid check.</summary>
    public bool Nominated { get; private set; }

    /// <summary>Called on the receive loop for each DTLS, RTP or RTCP datagram from a validated address.</summary>
    public MediaPacketHandler? PacketReceived { get; set; }

    /// <summary>Raised (on the receive loop or the consent timer) when <see cref="State"/> changes.</summary>
    public event Action<IceTransport, IceState>? StateChanged;

    /// <summary>Sends one datagram to <see cref="SelectedRemote"/>; false before any valid check or after close.</summary>
    public bool Send(ReadOnlySpan<byte> datagram)
    {
        var path = _selectedPath;
        return path is not null && State is IceState.Connected or IceState.Completed && path.Send(datagram);
    }

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local credentials; checks with the old ufrag stop matching, while
    /// the current pair keeps working until a check with the new credentials succeeds.
    /// </summary>
    public void Restart(IceCredentials local)
    {
        var old = LocalCredentials;
        LocalCredentials = local;
        _server.Rekey(this, old.Ufrag, local.Ufrag);
    }

    /// <summary>ICE-TCP connections this transport holds (tests read it).</summary>
    internal int TcpConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _tcpConnections.Count;
            }
        }
    }

    /// <summary>
    /// Closes the ICE-TCP connections on which this transport's checks passed: their read loops end, queued sends
    /// are dropped. <see cref="Dispose"/> does it too; call it first when the close must not wait for a packet
    /// being handled on one of them. Idempotent.
    /// </summary>
    public void CloseTcpConnections()
    {
        IceTcpConnection[] connections;
        lock (_gate)
        {
            connections = [.. _tcpConnections];
            _tcpConnections.Clear();
        }
        foreach (var connection in connections)
        {
            connection.Dispose();
        }
    }

    /// <summary>Closes the transport, forgets its addresses and closes its ICE-TCP connections.</summary>
    public void Dispose()
    {
        _server.Remove(this);
        SetState(IceState.Closed);
        CloseTcpConnections();
    }

    internal IEnumerable<(TransportAddress, TransportProtocol)> ValidatedAddresses
    {
        get
        {
            lock (_gate)
            {
                return [.. _validated.Keys];
            }
        }
    }

    /// <summary>RFC 8445 §7.3.1.4/§7.3.1.5: a valid check validates the pair; USE-CANDIDATE nominates it.</summary>
    /// <param name="remote">The checked remote address.</param>
    /// <param name="path">How to reach it: a UDP address (created lazily) or an ICE-TCP connection.</param>
    /// <param name="tcp">The ICE-TCP connection the check came on (closed with the transport), or null for UDP.</param>
    internal void OnValidCheck(TransportAddress remote, Func<IcePath> path, TransportProtocol protocol, string remoteUfrag, bool useCandidate, long now,
        IceTcpConnection? tcp = null)
    {
        lock (_gate)
        {
            if (State == IceState.Closed)
            {
                return;
            }
            if (tcp is not null && !_tcpConnections.Contains(tcp))
            {
                // Connections that ended are dropped here, so a peer that reconnects over and over does not grow the list.
                _tcpConnections.RemoveAll(static c => c.IsClosed);
                _tcpConnections.Add(tcp);
            }
            _validated[(remote, protocol)] = now;
            RemoteUfrag = remoteUfrag;
            if (useCandidate || !Nominated || State == IceState.Disconnected)
            {
                if (SelectedRemote != remote || SelectedProtocol != protocol)
                {
                    SelectedRemote = remote;
                    _selectedPath = path();
                }
                Nominated |= useCandidate;
            }
        }
        SetState(Nominated ? IceState.Completed : IceState.Connected);
    }

    /// <summary>RFC 7675 §5.1: consent expires when no valid check arrived for the timeout.</summary>
    internal void CheckConsent(long now, long timeoutTicks)
    {
        bool expired;
        lock (_gate)
        {
            expired = State is IceState.Connected or IceState.Completed
                && _validated.Count > 0 && _validated.Values.Max() + timeoutTicks < now;
        }
        if (expired)
        {
            SetState(IceState.Disconnected);
        }
    }

    internal void Deliver(MediaPacketKind kind, Span<byte> datagram)
    {
        if (State is IceState.Connected or IceState.Completed)
        {
            PacketReceived?.Invoke(kind, datagram);
        }
        else
        {
            IceMetrics.Drop("no_consent");
        }
    }

    private void SetState(IceState state)
    {
        lock (_gate)
        {
            if (State == state || State == IceState.Closed)
            {
                return;
            }
            State = state;
        }
        StateChanged?.Invoke(this, state);
    }
}
