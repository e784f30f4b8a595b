using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Net;
using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>
/// ICE-lite on one UDP port for every transport (RFC 8445 §2.5). One receive loop classifies each datagram
/// (RFC 7983, <see cref="MediaPacketClassifier"/>): STUN Binding requests are matched to a transport by the
/// local ufrag in USERNAME and checked (MESSAGE-INTEGRITY with our password, FINGERPRINT); other datagrams
/// are routed by remote address, and only addresses that passed a check are heard. Unauthenticated sources
/// get nothing but STUN answers; malformed datagrams are dropped and counted. Nothing thrown by a handler
/// leaves the loop.
/// </summary>
public sealed partial class IceLiteServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly IceServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IceTransport> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(TransportAddress, TransportProtocol), IceTransport> _byAddress = new();
    private readonly ConcurrentDictionary<IceTcpConnection, long> _tcpConnections = new();
    private readonly Socket? _tcpListener;
    private readonly ConnectionSlots _tcpSlots;
    private readonly Task _acceptLoop = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private readonly Timer _consentTimer;

    private IceLiteServer(Socket socket, Socket? tcpListener, IceServerOptions options, ILogger logger)
    {
        _socket = socket;
        _tcpListener = tcpListener;
        _options = options;
        _tcpSlots = new ConnectionSlots(Math.Max(1, options.MaxTcpConnections));
        _logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        TcpLocalEndPoint = (IPEndPoint?)tcpListener?.LocalEndPoint;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        if (tcpListener is not null)
        {
            _acceptLoop = Task.Run(AcceptLoopAsync);
        }
        _consentTimer = new Timer(_ => CheckConsent(), null, options.TickInterval, options.TickInterval);
    }

    /// <summary>The bound address and port (the host candidate).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The ICE-TCP passive candidate's address (RFC 6544), or null when ICE-TCP is off.</summary>
    public IPEndPoint? TcpLocalEndPoint { get; }

    /// <summary>Accepted ICE-TCP connections whose read loop still runs (tests read it).</summary>
    internal int OpenTcpConnections => _tcpConnections.Count;

    /// <summary>Binds a UDP socket (port 0 picks a free port) and starts the receive loop.</summary>
    public static IceLiteServer Start(IPEndPoint bind, IceServerOptions? options = null, ILogger<IceLiteServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        options ??= new IceServerOptions();
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        Socket? listener = null;
        try
        {
            // Media arrives in bursts (a video keyframe is tens of packets): a large kernel buffer rides them out.
            socket.ReceiveBufferSize = options.SocketBufferSize;
            socket.SendBufferSize = options.SocketBufferSize;
            socket.Bind(bind);
            if (options.EnableTcp)
            {
                listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(bind.Address, options.TcpPort));
                listener.Listen(128);
            }
        }
        catch
        {
            socket.Dispose();
            listener?.Dispose();
            throw;
        }
        return new IceLiteServer(socket, listener, options, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <summary>Creates a transport with the given (or fresh random) local credentials.</summary>
    public IceTransport CreateTransport(IceCredentials? local = null)
    {
        local ??= IceCredentials.Generate();
        var transport = new IceTransport(this, local);
        if (!_byUfrag.TryAdd(local.Ufrag, transport))
        {
            throw new InvalidOperationException("The ICE ufrag is already in use.");
        }
        return transport;
    }

    internal void Rekey(IceTransport transport, string oldUfrag, string newUfrag)
    {
        if (!_byUfrag.TryAdd(newUfrag, transport))
        {
            throw new InvalidOperationException("The ICE ufrag is already in use.");
        }
        _byUfrag.TryRemove(new KeyValuePair<string, IceTransport>(oldUfrag, transport));
    }

    internal void Remove(IceTransport transport)
    {
        _byUfrag.TryRemove(new KeyValuePair<string, IceTransport>(transport.LocalCredentials.Ufrag, transport));
        foreach (var address in transport.ValidatedAddresses)
        {
            _byAddress.TryRemove(new KeyValuePair<(TransportAddress, TransportProtocol), IceTransport>(address, transport));
        }
    }

    internal bool SendTo(ReadOnlySpan<byte> datagram, SocketAddress target)
    {
        try
        {
            return _socket.SendTo(datagram, SocketFlags.None, target) == datagram.Length;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            IceMetrics.Drop("send_error");
            return false;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[_options.ReceiveBufferSize];
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                IceMetrics.Drop("socket_error");
                continue;
            }
            try
            {
                Dispatch(buffer.AsSpan(0, n), from);
            }
#pragma warning disable CA1031 // The receive loop must survive any handler bug; it is counted and logged.
            catch (Exception e)
#pragma warning restore CA1031
            {
                IceMetrics.Drop("handler_error");
                LogHandlerError(_logger, e);
            }
        }
    }

    /// <summary>RFC 6544 passive candidate: accept connections and read RFC 4571 frames from each.</summary>
    private async Task AcceptLoopAsync()
    {
        var backoff = new AcceptBackoff();
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                // A slot before accepting: at MaxTcpConnections new connections wait in the backlog, holding no
                // descriptor (accepting and closing them would spin once descriptors run out).
                if (await _tcpSlots.TakeAsync(_stop.Token).ConfigureAwait(false))
                {
                    IceMetrics.Drop("tcp_too_many"); // had to wait for a slot
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                accepted = await _tcpListener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
                backoff.OnSuccess();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                _tcpSlots.Return();
                break;
            }
            catch (SocketException e)
            {
                _tcpSlots.Return();
                IceMetrics.Drop("tcp_accept_error");
                TimeSpan delay = backoff.OnFailure(e, out long report);
                if (report > 0)
                {
                    LogAcceptExhausted(_logger, e.SocketErrorCode.ToString(), report);
                }
                try
                {
                    await backoff.WaitAsync(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            var connection = new IceTcpConnection(accepted, _options.TcpSendQueueSize, _options.TcpSendStallTimeout);
            _tcpConnections[connection] = Stopwatch.GetTimestamp();
            _ = Task.Run(async () =>
            {
                try
                {
                    await connection.ReadFramesAsync(OnTcpFrame, _stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    connection.Dispose(); // closed before it leaves the list: whoever sees it gone sees it closed
                    _tcpConnections.TryRemove(connection, out _);
                    _tcpSlots.Return();
                }
            });
        }
    }

    private void OnTcpFrame(IceTcpConnection connection, Memory<byte> frame)
    {
        try
        {
            Dispatch(frame.Span, connection.Remote, from: null, connection);
        }
#pragma warning disable CA1031 // Same rule as the UDP loop: a handler bug must not end the connection's loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            IceMetrics.Drop("handler_error");
            LogHandlerError(_logger, e);
        }
    }

    /// <summary>RFC 7983 demultiplexing, then per-kind handling.</summary>
    internal void Dispatch(Span<byte> datagram, SocketAddress from) =>
        Dispatch(datagram, SocketAddressConversions.ToTransportAddress(from), from, tcp: null);

    /// <summary>Both transports: UDP (<paramref name="from"/> set) or an ICE-TCP frame (<paramref name="tcp"/> set).</summary>
    private void Dispatch(Span<byte> datagram, TransportAddress remote, SocketAddress? from, IceTcpConnection? tcp)
    {
        var kind = MediaPacketClassifier.Classify(datagram);
        if (kind == MediaPacketKind.Stun)
        {
            HandleStun(datagram, remote, from, tcp);
            return;
        }
        var protocol = tcp is null ? TransportProtocol.Udp : TransportProtocol.Tcp;
        if (!_byAddress.TryGetValue((remote, protocol), out var transport))
        {
            IceMetrics.Drop("unauthenticated");
            return;
        }
        if (kind == MediaPacketKind.Unknown)
        {
            IceMetrics.Drop("unknown_kind");
            return;
        }
        transport.Deliver(kind, datagram);
    }

    private void HandleStun(ReadOnlySpan<byte> datagram, TransportAddress remote, SocketAddress? from, IceTcpConnection? tcp)
    {
        if (StunMessageReader.TryParse(datagram, out var request) != StunParseResult.Success)
        {
            IceMetrics.Drop("malformed_stun");
            return;
        }
        if (request.Method != StunMethod.Binding || request.Class != StunClass.Request)
        {
            // Binding indications are keepalives (RFC 8445 §11); responses are not expected by a lite agent.
            IceMetrics.Drop(request.Class == StunClass.Indication ? "indication" : "unexpected_stun");
            return;
        }
        // RFC 8445 §7.2.2: checks carry FINGERPRINT; without a valid one it is not an ICE check.
        if (!request.HasFingerprint || !request.VerifyFingerprint())
        {
            IceMetrics.Drop("bad_fingerprint");
            return;
        }
        if (!request.TryGetUsername(out var username) || !TrySplitUsername(username, out var localUfrag, out var remoteUfrag))
        {
            Reply(request, from, tcp, remote, key: null, StunErrorCodes.BadRequest, "Bad Request");
            return;
        }
        if (!_byUfrag.TryGetValue(localUfrag, out var transport) || !request.HasMessageIntegrity
            || !request.VerifyMessageIntegrity(transport.LocalCredentials.Key))
        {
            // RFC 8445 §7.3 / RFC 8489 §9.1.3: unknown user or bad integrity is 401, unsigned.
            Reply(request, from, tcp, remote, key: null, StunErrorCodes.Unauthenticated, "Unauthenticated");
            return;
        }
        // RFC 8445 §7.3: the second half of USERNAME must be the peer's ufrag from its SDP once we know it (a
        // check from an earlier ICE generation, or from someone who only learned our credentials, is refused).
        if (transport.ExpectedRemoteUfrag is { } expected && !string.Equals(expected, remoteUfrag, StringComparison.Ordinal))
        {
            IceMetrics.Drop("remote_ufrag_mismatch");
            Reply(request, from, tcp, remote, key: null, StunErrorCodes.Unauthenticated, "Unauthenticated");
            return;
        }
        // Record the pair before answering, so the peer's first DTLS datagram finds it.
        var protocol = tcp is null ? TransportProtocol.Udp : TransportProtocol.Tcp;
        _byAddress[(remote, protocol)] = transport;
        var family = _socket.AddressFamily;
        transport.OnValidCheck(remote, () => tcp ?? (IcePath)new UdpIcePath(this, SocketAddressConversions.ToSocketAddress(remote, family)),
            protocol, remoteUfrag, request.HasUseCandidate(), Stopwatch.GetTimestamp(), tcp);
        if (tcp is not null)
        {
            tcp.Validated = true; // no longer subject to the unauthenticated timeout, and what it is sent may be queued
        }
        Reply(request, from, tcp, remote, transport.LocalCredentials.Key, 0, null);
    }

    private void Reply(StunMessageReader request, SocketAddress? to, IceTcpConnection? tcp, TransportAddress remote, byte[]? key, int errorCode, string? reason)
    {
        Span<byte> response = stackalloc byte[256];
        var type = request.MessageType.WithClass(errorCode == 0 ? StunClass.SuccessResponse : StunClass.ErrorResponse);
        var writer = new StunMessageWriter(response, type, request.TransactionIdBytes);
        if (errorCode == 0)
        {
            writer.AddXorMappedAddress(remote);
        }
        else
        {
            writer.AddErrorCode(errorCode, reason);
        }
        if (key is not null)
        {
            writer.AddMessageIntegrity(key);
        }
        writer.AddFingerprint();
        if (writer.TryComplete(out var length))
        {
            IceMetrics.Binding(errorCode == 0 ? "success" : errorCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (tcp is not null)
            {
                tcp.Send(response[..length]);
            }
            else
            {
                SendTo(response[..length], to!);
            }
        }
    }

    /// <summary>USERNAME is "ourUfrag:theirUfrag" (RFC 8445 §7.2.2).</summary>
    private static bool TrySplitUsername(ReadOnlySpan<byte> username, out string local, out string remote)
    {
        local = remote = string.Empty;
        var colon = username.IndexOf((byte)':');
        if (colon <= 0 || colon == username.Length - 1 || username.Length > 513)
        {
            return false;
        }
        local = Encoding.UTF8.GetString(username[..colon]);
        remote = Encoding.UTF8.GetString(username[(colon + 1)..]);
        return true;
    }

    private void CheckConsent()
    {
        var now = Stopwatch.GetTimestamp();
        var timeout = (long)(_options.ConsentTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var transport in _byUfrag.Values.Distinct())
        {
            transport.CheckConsent(now, timeout);
        }
        // ICE-TCP connections that never passed a check are closed after the consent timeout.
        foreach (var (connection, accepted) in _tcpConnections)
        {
            if (!connection.Validated && accepted + timeout < now)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Stops the receive loop and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _consentTimer.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        _tcpListener?.Dispose();
        foreach (var connection in _tcpConnections.Keys)
        {
            connection.Dispose();
        }
        await _receiveLoop.ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "A media packet handler threw; the packet was dropped")]
    private static partial void LogHandlerError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "ICE-TCP listener cannot accept ({Error}, {Failures} times): out of file descriptors or memory; new connections wait in the backlog")]
    private static partial void LogAcceptExhausted(ILogger logger, string error, long failures);
}
