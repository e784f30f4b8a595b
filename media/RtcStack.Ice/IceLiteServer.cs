using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly ConcurrentDictionary<TransportAddress, IceTransport> _byAddress = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private readonly Timer _consentTimer;

    private IceLiteServer(Socket socket, IceServerOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _consentTimer = new Timer(_ => CheckConsent(), null, options.TickInterval, options.TickInterval);
    }

    /// <summary>The bound address and port (the host candidate).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds a UDP socket (port 0 picks a free port) and starts the receive loop.</summary>
    public static IceLiteServer Start(IPEndPoint bind, IceServerOptions? options = null, ILogger<IceLiteServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(bind);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new IceLiteServer(socket, options ?? new IceServerOptions(), logger ?? (ILogger)NullLogger.Instance);
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
            _byAddress.TryRemove(new KeyValuePair<TransportAddress, IceTransport>(address, transport));
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

    /// <summary>RFC 7983 demultiplexing, then per-kind handling.</summary>
    internal void Dispatch(Span<byte> datagram, SocketAddress from)
    {
        var remote = SocketAddressConversions.ToTransportAddress(from);
        var kind = MediaPacketClassifier.Classify(datagram);
        if (kind == MediaPacketKind.Stun)
        {
            HandleStun(datagram, remote, from);
            return;
        }
        if (!_byAddress.TryGetValue(remote, out var transport))
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

    private void HandleStun(ReadOnlySpan<byte> datagram, TransportAddress remote, SocketAddress from)
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
            Reply(request, from, remote, key: null, StunErrorCodes.BadRequest, "Bad Request");
            return;
        }
        if (!_byUfrag.TryGetValue(localUfrag, out var transport) || !request.HasMessageIntegrity
            || !request.VerifyMessageIntegrity(transport.LocalCredentials.Key))
        {
            // RFC 8445 §7.3 / RFC 8489 §9.1.3: unknown user or bad integrity is 401, unsigned.
            Reply(request, from, remote, key: null, StunErrorCodes.Unauthenticated, "Unauthenticated");
            return;
        }
        // Record the pair before answering, so the peer's first DTLS datagram finds it.
        _byAddress[remote] = transport;
        transport.OnValidCheck(remote, from, remoteUfrag, request.HasUseCandidate(), Stopwatch.GetTimestamp());
        Reply(request, from, remote, transport.LocalCredentials.Key, 0, null);
    }

    private void Reply(StunMessageReader request, SocketAddress to, TransportAddress remote, byte[]? key, int errorCode, string? reason)
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
            SendTo(response[..length], to);
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
    }

    /// <summary>Stops the receive loop and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _consentTimer.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "A media packet handler threw; the packet was dropped")]
    private static partial void LogHandlerError(ILogger logger, Exception exception);
}
