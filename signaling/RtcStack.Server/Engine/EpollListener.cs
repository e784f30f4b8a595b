using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using RtcStack.Net;
using RtcStack.Server.Hosting;

namespace RtcStack.Server.Engine;

/// <summary>
/// A Kestrel listener for one IP endpoint in front of Kestrel's socket transport: it accepts sockets itself (taking a
/// <see cref="ConnectionGate"/> slot first, as <see cref="GatedListenerFactory"/> does) and gives each to the
/// <see cref="EpollEngine"/>, which keeps <c>/ws</c> upgrades and hands every other connection back
/// (<see cref="HandOff"/>) with its bytes unread; Kestrel gets those from <see cref="AcceptAsync"/> as ordinary socket
/// connections (<see cref="SocketConnectionContextFactory"/>).
/// </summary>
internal sealed partial class EpollListener : IConnectionListener
{
    private readonly Socket _listen;
    private readonly EpollEngine _engine;
    private readonly ConnectionGate? _gate;
    private readonly SocketConnectionContextFactory _contexts;
    private readonly ILogger _logger;
    private readonly Channel<Socket> _handoff = Channel.CreateUnbounded<Socket>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _unbound = new();
    private readonly AcceptBackoff _backoff = new();
    private readonly Task _acceptLoop;

    public EpollListener(Socket listen, bool tls, EpollEngine engine, ConnectionGate? gate, SocketConnectionContextFactory contexts, ILogger logger)
    {
        Tls = tls; // before the accept loop starts: a connection already in the backlog sees it
        _listen = listen;
        _engine = engine;
        _gate = gate;
        _contexts = contexts;
        _logger = logger;
        EndPoint = listen.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public EndPoint EndPoint { get; }

    /// <summary>A TLS endpoint: the engine hands every connection to Kestrel (no plain-text handshake here).</summary>
    public bool Tls { get; }

    /// <summary>A connection that is not a <c>/ws</c> upgrade goes to Kestrel (any thread).</summary>
    public void HandOff(Socket socket)
    {
        if (!_handoff.Writer.TryWrite(socket))
        {
            socket.Dispose();
            Release();
        }
    }

    /// <summary>A socket accepted here was closed: its slot is free again.</summary>
    public void Release() => _gate?.Release();

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _handoff.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_handoff.Reader.TryRead(out Socket? socket))
                {
                    ConnectionContext context = _contexts.Create(socket);
                    return _gate is null ? context : new GatedConnection(context, _gate);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (_unbound.IsCancellationRequested)
        {
            return;
        }
        await _unbound.CancelAsync().ConfigureAwait(false);
        _listen.Dispose();
        _handoff.Writer.TryComplete();
        await _acceptLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        while (_handoff.Reader.TryRead(out Socket? socket))
        {
            socket.Dispose();
            Release();
        }
        _unbound.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken token = _unbound.Token;
        while (!token.IsCancellationRequested)
        {
            if (_gate is not null && !await _gate.WaitAsync(token).ConfigureAwait(false))
            {
                return;
            }
            Socket socket;
            try
            {
                socket = await _listen.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                _gate?.Return();
                if (token.IsCancellationRequested || ex is not SocketException error)
                {
                    return;
                }
                // Out of descriptors (EMFILE/ENFILE) or kernel memory: back off (10 ms doubling to 1 s), warn once per 10 s.
                TimeSpan delay = _backoff.OnFailure(error, out long report);
                if (report > 0)
                {
                    AcceptFailed(_logger, error.Message, report);
                }
                try
                {
                    await _backoff.WaitAsync(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            _backoff.OnSuccess();
            try
            {
                socket.NoDelay = true;
                _engine.Adopt(socket, this);
            }
            catch (Exception ex)
            {
                // Never let one socket end the accept loop (an engine that cannot start its loops, EMFILE, disposal).
                if (ex is not (SocketException or ObjectDisposedException))
                {
                    AdoptFailed(_logger, ex);
                }
                socket.Dispose();
                Release();
            }
        }
    }

    [LoggerMessage(1023, LogLevel.Error, "The signaling engine could not take an accepted socket; it was closed")]
    private static partial void AdoptFailed(ILogger logger, Exception exception);

    [LoggerMessage(1021, LogLevel.Warning, "Accept failed on the signaling engine's listener: {Error} ({Times} time(s) since the last warning)")]
    private static partial void AcceptFailed(ILogger logger, string error, long times);
}
