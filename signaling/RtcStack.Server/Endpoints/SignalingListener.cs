using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RtcStack.Server.Hosting;
using RtcStack.Signaling;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Endpoints;

/// <summary>
/// A Kestrel connection middleware in front of HTTP/1: when a new connection opens with an RFC 6455 handshake
/// for <c>GET /ws</c>, it answers the handshake itself and runs the WebSocket straight over the connection's
/// transport pipes, so an idle session does not keep ASP.NET Core's HTTP/1 request state (HttpContext,
/// Http1Connection, its pipes and header collections, the upgrade stream) alive. Same checks and answers as
/// the <c>/ws</c> endpoint (origin 403, 503 while stopping, subprotocol <c>rtcstack.v1</c>), plus 426 for a
/// version other than 13, 400 for a bad key, 431 for an oversized head and 408 for a head that does not
/// complete in time. Every other connection (another path, a malformed head, HTTP/2) is handed to Kestrel
/// untouched: the bytes are only peeked at, never consumed. TLS endpoints have no listener (see <see cref="Attach"/>).
/// </summary>
internal sealed class SignalingListener
{
    private readonly ConnectionDelegate _next;
    private readonly SignalingHub _hub;
    private readonly IOptions<SignalingOptions> _options;
    private readonly ILogger _logger;
    private readonly int _maxHeadBytes;
    private readonly TimeSpan _firstByteTimeout;
    private readonly TimeSpan _headTimeout;
    private readonly bool _hostFiltering;

    public SignalingListener(ConnectionDelegate next, IServiceProvider services)
    {
        _next = next;
        _hub = services.GetRequiredService<SignalingHub>();
        _options = services.GetRequiredService<IOptions<SignalingOptions>>();
        _logger = services.GetRequiredService<ILogger<SignalingHub>>();
        KestrelServerLimits limits = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        _maxHeadBytes = limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize;
        _firstByteTimeout = limits.KeepAliveTimeout;
        _headTimeout = limits.RequestHeadersTimeout;
        IList<string>? hosts = services.GetService<IOptions<HostFilteringOptions>>()?.Value.AllowedHosts;
        _hostFiltering = hosts is { Count: > 0 } && !hosts.Contains("*");
    }

    /// <summary>
    /// Adds the listener to every endpoint Kestrel binds (call from <c>ConfigureEndpointDefaults</c>, which runs before
    /// <c>UseHttps</c>, so the listener sits outside TLS). A TLS endpoint gets no listener (its connections go straight
    /// to Kestrel's TLS middleware, which closes plain-text bytes) and is recorded in <see cref="TlsEndpoints"/> for the
    /// epoll engine. <paramref name="direct"/> false (<c>Server:DirectWebSocket=false</c>) only records TLS endpoints.
    /// </summary>
    public static void Attach(ListenOptions listen, bool direct) =>
        listen.Use(next =>
        {
            if (TlsEndpoints.IsTls(listen))
            {
                listen.ApplicationServices.GetRequiredService<TlsEndpoints>().Add(listen.EndPoint); // never fail open
                return next;
            }
            return direct ? new SignalingListener(next, listen.ApplicationServices).OnConnectionAsync : next;
        });

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        // Only the connection and the socket live in this frame for the session's lifetime; the handshake's
        // buffers, strings and timer belong to HandshakeAsync, which has completed by then.
        Outcome outcome = await HandshakeAsync(connection).ConfigureAwait(false);
        if (outcome == Outcome.PassToKestrel)
        {
            await _next(connection).ConfigureAwait(false);
            return;
        }
        if (outcome == Outcome.Refused)
        {
            return; // Kestrel closes the connection after the answer is sent
        }
        // No WebSocket keep-alive timer (the protocol has its own ping/pong and the hub's sweep closes silent sockets).
        using WebSocket socket = WebSocket.CreateFromStream(new PipeWebSocketStream(connection.Transport), new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = outcome == Outcome.UpgradedWithSubProtocol ? SignalingProtocol.SubProtocol : null,
            KeepAliveInterval = TimeSpan.Zero,
        });
        IPAddress? remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        await _hub.HandleAsync(socket, remote, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Answers the handshake (101 or a refusal), or decides that Kestrel should see the connection.</summary>
    private async Task<Outcome> HandshakeAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        ReadResult result;
        WebSocketHeadStatus status;
        long headLength;
        HeadPeek peek;
        using (var timeout = new CancellationTokenSource(_firstByteTimeout))
        {
            peek = await PeekHeadAsync(input, timeout).ConfigureAwait(false);
        }
        if (peek.TimedOut)
        {
            if (peek.Started)
            {
                await RefuseAsync(connection, 408).ConfigureAwait(false);
            }
            return Outcome.Refused; // no byte within Kestrel's keep-alive timeout: closed, as Kestrel would
        }
        (result, status, headLength) = (peek.Result, peek.Status, peek.HeadLength);
        if (_hostFiltering)
        {
            status = WebSocketHeadStatus.NotSignaling; // AllowedHosts is set: Kestrel's pipeline applies it
        }
        ReadOnlySequence<byte> buffer = result.Buffer;
        WebSocketUpgradeRequest request = default;
        if (status == WebSocketHeadStatus.Upgrade)
        {
            status = ReadHead(buffer.Slice(0, headLength), out request);
        }
        if (status == WebSocketHeadStatus.NotSignaling)
        {
            input.AdvanceTo(buffer.Start, buffer.Start); // nothing consumed, nothing examined: Kestrel reads it all
            return Outcome.PassToKestrel;
        }
        input.AdvanceTo(buffer.GetPosition(headLength));
        switch (status)
        {
            case WebSocketHeadStatus.TooLarge:
                await RefuseAsync(connection, 431).ConfigureAwait(false);
                return Outcome.Refused;
            case WebSocketHeadStatus.BadRequest:
                await RefuseAsync(connection, 400).ConfigureAwait(false);
                return Outcome.Refused;
            case WebSocketHeadStatus.UnsupportedVersion:
                await RefuseAsync(connection, 426).ConfigureAwait(false);
                return Outcome.Refused;
        }
        if (SignalingAdmission.Refusal(_hub, request.Origin, request.Host, _options.Value.AllowedOrigins, _logger) is int refusal)
        {
            await RefuseAsync(connection, refusal).ConfigureAwait(false);
            return Outcome.Refused;
        }
        string? subProtocol = request.OffersSubProtocol ? SignalingProtocol.SubProtocol : null;
        PipeWriter output = connection.Transport.Output;
        int length = WebSocketHandshakeResponse.WriteSwitchingProtocols(output.GetSpan(WebSocketHandshakeResponse.MaxLength), request.Key, subProtocol);
        output.Advance(length);
        await output.FlushAsync().ConfigureAwait(false);
        return subProtocol is null ? Outcome.Upgraded : Outcome.UpgradedWithSubProtocol;
    }

    /// <summary>Reads until the head is decided; the returned buffer has not been advanced past.</summary>
    private async Task<HeadPeek> PeekHeadAsync(PipeReader input, CancellationTokenSource timeout)
    {
        bool started = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return new HeadPeek(default, WebSocketHeadStatus.NotSignaling, 0, TimedOut: true, started);
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (!started && !buffer.IsEmpty)
            {
                started = true;
                timeout.CancelAfter(_headTimeout); // like Kestrel: the head must complete within RequestHeadersTimeout
            }
            long headLength = 0;
            WebSocketHeadStatus status = buffer.IsEmpty
                ? WebSocketHeadStatus.Incomplete
                : WebSocketRequestReader.Peek(buffer, _maxHeadBytes, out headLength);
            if (status != WebSocketHeadStatus.Incomplete)
            {
                return new HeadPeek(result, status, status == WebSocketHeadStatus.TooLarge ? 0 : headLength, TimedOut: false, started);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return new HeadPeek(result, WebSocketHeadStatus.NotSignaling, 0, TimedOut: false, started); // half-closed mid-head: Kestrel deals with it
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static WebSocketHeadStatus ReadHead(ReadOnlySequence<byte> head, out WebSocketUpgradeRequest request)
    {
        if (head.IsSingleSegment)
        {
            return WebSocketRequestReader.Read(head.FirstSpan, out request);
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)head.Length);
        try
        {
            head.CopyTo(rented);
            return WebSocketRequestReader.Read(rented.AsSpan(0, (int)head.Length), out request);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static async Task RefuseAsync(ConnectionContext connection, int status)
    {
        PipeWriter output = connection.Transport.Output;
        int length = WebSocketHandshakeResponse.WriteRefusal(output.GetSpan(WebSocketHandshakeResponse.MaxLength), status);
        output.Advance(length);
        await output.FlushAsync().ConfigureAwait(false);
    }

    private readonly record struct HeadPeek(ReadResult Result, WebSocketHeadStatus Status, long HeadLength, bool TimedOut, bool Started);

    private enum Outcome
    {
        PassToKestrel,
        Refused,
        Upgraded,
        UpgradedWithSubProtocol,
    }
}
