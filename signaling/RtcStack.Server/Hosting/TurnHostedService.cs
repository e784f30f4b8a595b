using System.Diagnostics.Metrics;
using RtcStack.Turn;

namespace RtcStack.Server.Hosting;

/// <summary>
/// Runs the embedded TURN server (RtcStack.Turn) with the host: started after configuration is bound,
/// stopped (every allocation closed) on shutdown. Configured from the section <c>"Turn"</c>
/// (<see cref="TurnOptions"/>; docs/turn.md lists every key).
/// </summary>
internal sealed partial class TurnHostedService(TurnOptions options, ILoggerFactory loggerFactory, IMeterFactory? meterFactory, ILogger<TurnHostedService> logger)
    : IHostedService, IAsyncDisposable
{
    private TurnServer? _server;

    /// <summary>The running server (null when TURN is disabled or not configured).</summary>
    public TurnServer? Server => _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return;
        }
        if (options.Users.Count == 0 && string.IsNullOrEmpty(options.StaticAuthSecret))
        {
            // No credentials means nobody could use it: warn and stay off rather than refuse to start the whole server.
            TurnNotConfigured(logger);
            return;
        }
        _server = new TurnServer(options, loggerFactory, TimeProvider.System, meterFactory);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(3090, LogLevel.Warning, "TURN is enabled but has no credentials (set Turn:StaticAuthSecret or Turn:Users); the TURN server is not started")]
    private static partial void TurnNotConfigured(ILogger logger);
}

/// <summary>Registers the embedded TURN server.</summary>
public static class TurnServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TurnOptions"/> from the section <c>"Turn"</c> of <paramref name="configuration"/>
    /// (e.g. <c>Turn:StaticAuthSecret</c>, <c>Turn:ListeningPort</c>, <c>Turn:Users:alice</c>) and runs a
    /// <see cref="TurnServer"/> as a hosted service. Defaults: UDP and TCP on 127.0.0.1:3478, realm "rtcstack";
    /// without a secret or users TURN stays off with a warning.
    /// </summary>
    public static IServiceCollection AddRtcStackTurn(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TurnOptions();
        configuration.GetSection(TurnOptions.SectionName).Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new TurnHostedService(
            sp.GetRequiredService<TurnOptions>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<TurnHostedService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<TurnHostedService>());
        return services;
    }
}
