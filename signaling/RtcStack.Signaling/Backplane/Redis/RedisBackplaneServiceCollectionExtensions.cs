using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Registers <see cref="RedisBackplane"/> as the node's <see cref="IBackplane"/>.</summary>
public static class RedisBackplaneServiceCollectionExtensions
{
    /// <summary>
    /// Replaces any registered <see cref="IBackplane"/> with a <see cref="RedisBackplane"/> on
    /// <paramref name="connectionString"/> (the <c>Signaling:Redis</c> setting). Does nothing when it is empty,
    /// so <c>services.AddRedisBackplane(configuration["Signaling:Redis"])</c> keeps the in-memory default
    /// when Redis is not configured.
    /// </summary>
    public static IServiceCollection AddRedisBackplane(this IServiceCollection services, string? connectionString, Action<RedisBackplaneOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }

        var options = new RedisBackplaneOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        services.RemoveAll<IBackplane>();
        services.AddSingleton<IBackplane>(sp => new RedisBackplane(options, sp.GetService<ILogger<RedisBackplane>>()));
        return services;
    }
}
