namespace RtcStack.Turn.Server;

/// <summary>Starts and stops the <see cref="TurnServer"/> with the host.</summary>
internal sealed class TurnServerHostedService(TurnServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
