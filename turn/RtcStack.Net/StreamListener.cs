using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// A TCP listener (optionally TLS, RFC 8656 §3.1 <c>turns:</c>) whose accepted connections are
/// <see cref="StreamConnection"/>s framing STUN and ChannelData for an <see cref="IStreamHandler"/>.
/// A failed TLS handshake or a full house closes that connection only; the accept loop goes on.
/// </summary>
public sealed class StreamListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly IStreamHandler _handler;
    private readonly StreamListenerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<StreamConnection, byte> _connections = new();
    private readonly string _transport;
    private readonly ConnectionSlots _slots;
    private Task _acceptLoop = Task.CompletedTask;
    private int _started;

    private StreamListener(Socket socket, IStreamHandler handler, StreamListenerOptions options, ILogger logger)
    {
        _slots = new ConnectionSlots(Math.Max(1, options.MaxConnections));
        _socket = socket;
        _handler = handler;
        _options = options;
        _logger = logger;
        _transport = options.TlsOptionsProvider is null ? "tcp" : "tls";
        LocalAddress = TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        Counters = NetMetrics.Register(_transport);
    }

    /// <summary>The bound local address (actual port when bound to 0).</summary>
    public TransportAddress LocalAddress { get; }

    /// <summary>Counters of all connections of this listener.</summary>
    public NetCounters Counters { get; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Binds and listens on <paramref name="local"/>; call <see cref="Start"/> to accept.</summary>
    /// <exception cref="SocketException">The address cannot be bound (an operator error at start-up).</exception>
    public static StreamListener Bind(IPEndPoint local, IStreamHandler handler, StreamListenerOptions? options = null, ILogger<StreamListener>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        options ??= new StreamListenerOptions();
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (local.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(local);
            socket.Listen(options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new StreamListener(socket, handler, options, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <summary>Starts accepting (once).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _acceptLoop = Task.Run(AcceptLoopAsync);
            NetLog.StreamListenerStarted(_logger, _transport, LocalAddress.ToString());
        }
    }

    /// <summary>Stops accepting, closes every connection and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (StreamConnection connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        NetMetrics.Retire(Counters);
        NetLog.StreamListenerStopped(_logger, _transport, LocalAddress.ToString());
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken token = _stop.Token;
        var backoff = new AcceptBackoff();
        while (!token.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                // A slot before accepting: at MaxConnections new connections wait in the backlog and hold no
                // descriptor (accepting and closing them would spin once descriptors run out).
                if (await _slots.TakeAsync(token).ConfigureAwait(false))
                {
                    Counters.Count(PacketDisposition.Dropped); // had to wait for a slot
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                accepted = await _socket.AcceptAsync(token).ConfigureAwait(false);
                backoff.OnSuccess();
            }
            catch (SocketException ex)
            {
                _slots.Return();
                Counters.ReceiveFailed();
                TimeSpan delay = backoff.OnFailure(ex, out long report);
                if (report > 0 || delay == TimeSpan.Zero)
                {
                    NetLog.AcceptFailed(_logger, LocalAddress.ToString(), ex.SocketErrorCode);
                }
                try
                {
                    await backoff.WaitAsync(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                _slots.Return();
                return;
            }

            Counters.Accepted();
            _ = RunAndReleaseAsync(accepted, token);
        }
    }

    private async Task RunAndReleaseAsync(Socket socket, CancellationToken token)
    {
        try
        {
            await RunConnectionAsync(socket, token).ConfigureAwait(false);
        }
        finally
        {
            _slots.Return();
        }
    }

    private async Task RunConnectionAsync(Socket socket, CancellationToken token)
    {
        StreamConnection connection;
        Stream stream;
        try
        {
            TransportProtocol protocol = _options.TlsOptionsProvider is null ? TransportProtocol.Tcp : TransportProtocol.Tls;
            connection = new StreamConnection(socket, _handler, protocol, Counters, _options.MaxQueuedSendBytes, _options.InitialMode, _logger);
            stream = await OpenStreamAsync(socket, token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failed handshake (or a throwing TLS options hook) closes this connection only
        catch (Exception)
#pragma warning restore CA1031
        {
            Counters.ReceiveFailed();
            socket.Dispose();
            return;
        }

        _connections.TryAdd(connection, 0);
        try
        {
            await connection.RunAsync(stream).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    private async Task<Stream> OpenStreamAsync(Socket socket, CancellationToken token)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        if (_options.TlsOptionsProvider is null)
        {
            return network;
        }

        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(_options.HandshakeTimeout);
            await ssl.AuthenticateAsServerAsync(_options.TlsOptionsProvider(), timeout.Token).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
