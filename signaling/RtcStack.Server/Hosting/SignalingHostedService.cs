using RtcStack.Signaling.Hub;

namespace RtcStack.Server.Hosting;

/// <summary>
/// Starts the signaling hub, and on shutdown (before Kestrel stops) sends every socket <c>going-away</c>
/// and waits for them to close (the drain); new sockets get <c>going-away</c> at once.
/// </summary>
internal sealed class SignalingHostedService(SignalingHub hub, ServerMode mode, ILogger<SignalingHostedService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (mode.Dev)
        {
            ServerLog.DevModeOn(logger);
        }
        await hub.StartAsync(cancellationToken).ConfigureAwait(false);
        ServerLog.Started(logger, hub.NodeId);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        ServerLog.Stopping(logger, hub.ConnectionCount);
        await hub.GoAwayAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await hub.DisposeAsync().ConfigureAwait(false);
}
