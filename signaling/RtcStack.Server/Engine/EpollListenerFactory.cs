using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RtcStack.Server.Endpoints;
using RtcStack.Server.Hosting;

namespace RtcStack.Server.Engine;

/// <summary>
/// Binds every IP endpoint with an <see cref="EpollListener"/> (the epoll engine serves <c>/ws</c>, Kestrel the rest);
/// other endpoints (Unix sockets, handles) go to <paramref name="fallback"/>.
/// </summary>
internal sealed class EpollListenerFactory(IConnectionListenerFactory fallback, EpollEngine engine, ConnectionGate? gate, ILoggerFactory loggers,
    SocketTransportOptions transport, TlsEndpoints tlsEndpoints)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly SocketConnectionContextFactory _contexts = new(new SocketConnectionFactoryOptions(), loggers.CreateLogger<SocketConnectionContextFactory>());

    /// <summary>Puts the engine in front of Kestrel's transport (after <see cref="ConnectionLimits.Add"/>).</summary>
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<EpollEngine>();
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory>(sp =>
        {
            ConnectionGate? gate = sp.GetService<ConnectionGate>();
            IConnectionListenerFactory sockets = ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp);
            IConnectionListenerFactory fallback = gate is null ? sockets : new GatedListenerFactory(sockets, gate);
            SocketTransportOptions transport = sp.GetService<IOptions<SocketTransportOptions>>()?.Value ?? new SocketTransportOptions();
            return new EpollListenerFactory(fallback, sp.GetRequiredService<EpollEngine>(), gate, sp.GetRequiredService<ILoggerFactory>(), transport,
                sp.GetRequiredService<TlsEndpoints>()); // registered with the engine (RtcStackApp): a missing one fails at startup
        });
    }

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            return await fallback.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        Socket listen = transport.CreateBoundListenSocket(ip); // SocketTransportOptions as Kestrel's transport uses them
        try
        {
            listen.Listen(transport.Backlog);
        }
        catch
        {
            listen.Dispose();
            throw;
        }
        bool tls = tlsEndpoints.Contains(endpoint); // a TLS endpoint's connections all go to Kestrel
        return new EpollListener(listen, tls, engine, gate, _contexts, loggers.CreateLogger<EpollListener>());
    }

    public bool CanBind(EndPoint endpoint) =>
        endpoint is IPEndPoint || fallback is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    public void Dispose() => _contexts.Dispose();
}
