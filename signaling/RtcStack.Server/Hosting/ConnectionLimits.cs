using System.Globalization;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RtcStack.Net;

namespace RtcStack.Server.Hosting;

/// <summary>
/// Kestrel limits for the server: <c>Kestrel:Limits:*</c> from configuration (ASP.NET Core reads only endpoints
/// and certificates from the <c>Kestrel</c> section, dotnet/aspnetcore#4765), and the open-connection bound
/// of <see cref="ConnectionGate"/>: <c>Server:MaxConnections</c>, by default the open-file soft limit minus
/// <c>Server:FileDescriptorReserve</c> (see docs/configuration.md).
/// </summary>
internal static partial class ConnectionLimits
{
    public const int DefaultReserve = 512;

    public static void Add(WebApplicationBuilder builder)
    {
        IConfiguration configuration = builder.Configuration;
        builder.Services.Configure<KestrelServerOptions>(o => BindLimits(configuration.GetSection("Kestrel:Limits"), o.Limits));
        long? soft = FileDescriptorLimit.Soft();
        int limit = Limit(configuration, soft, out int reserve);
        if (limit <= 0)
        {
            return;
        }
        builder.Services.AddSingleton(sp =>
        {
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("RtcStack.Server.Connections");
            long? kestrel = sp.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxConcurrentConnections;
            Configured(logger, limit, soft ?? -1, reserve);
            if (kestrel > limit)
            {
                KestrelLimitAboveGate(logger, kestrel.Value, limit);
            }
            return new ConnectionGate(limit, logger, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton<IConnectionListenerFactory>(sp => new GatedListenerFactory(
            ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp), sp.GetRequiredService<ConnectionGate>()));
    }

    /// <summary>
    /// The connection bound: <c>Server:MaxConnections</c> when set (0 turns it off), otherwise the soft limit
    /// minus the reserve but at least a quarter of the soft limit; 0 (off) when the soft limit is unknown.
    /// </summary>
    public static int Limit(IConfiguration configuration, long? softLimit, out int reserve)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        reserve = ReadInt(configuration, "Server:FileDescriptorReserve", DefaultReserve);
        if (configuration["Server:MaxConnections"] is { Length: > 0 } explicitLimit && !explicitLimit.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return ReadInt(configuration, "Server:MaxConnections", 0);
        }
        if (softLimit is not long soft)
        {
            return 0;
        }
        return (int)Math.Clamp(Math.Max(soft - reserve, soft / 4), 1, int.MaxValue);
    }

    private static int ReadInt(IConfiguration configuration, string key, int fallback)
    {
        string? text = configuration[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new OptionsValidationException(key, typeof(int), [$"{key} must be a whole number >= 0, not '{text}'"]);
    }

    private static void BindLimits(IConfigurationSection section, KestrelServerLimits limits)
    {
        try
        {
            section.Bind(limits);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException("Kestrel:Limits", typeof(KestrelServerLimits), ["Kestrel:Limits: " + (ex.InnerException?.Message ?? ex.Message)]);
        }
    }

    [LoggerMessage(1011, LogLevel.Information, "At most {Limit} connections open at once (open-file limit {SoftLimit}, reserve {Reserve})")]
    private static partial void Configured(ILogger logger, int limit, long softLimit, int reserve);

    [LoggerMessage(1012, LogLevel.Warning, "Kestrel:Limits:MaxConcurrentConnections {Kestrel} is above the open-file budget; at most {Limit} connections are accepted at once (raise ulimit -n or set Server:MaxConnections)")]
    private static partial void KestrelLimitAboveGate(ILogger logger, long kestrel, int limit);
}
