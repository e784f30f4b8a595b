using System.Net;
using Microsoft.AspNetCore.Connections;

namespace RtcStack.Server.Hosting;

/// <summary>
/// Kestrel's transport (the socket transport) with a <see cref="ConnectionGate"/> in front of accept: a listener
/// takes a slot before it accepts the next connection and the slot comes back when Kestrel disposes the
/// connection (its socket closed), whichever way it ended (HTTP, WebSocket, refused by a Kestrel limit).
/// </summary>
internal sealed class GatedListenerFactory(IConnectionListenerFactory inner, ConnectionGate gate) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedListener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), gate);

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    private sealed class GatedListener(IConnectionListener inner, ConnectionGate gate) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            if (!await gate.WaitAsync(both.Token).ConfigureAwait(false))
            {
                return null; // unbinding (shutdown) while every slot was taken
            }
            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                gate.Return();
                throw;
            }
            if (connection is null)
            {
                gate.Return();
                return null;
            }
            return new GatedConnection(connection, gate);
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
            _unbound.Dispose();
        }
    }
}
