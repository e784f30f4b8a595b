using Microsoft.Extensions.Options;
using Prometheus;
using RtcStack.Server.Cli;
using RtcStack.Server.Endpoints;
using RtcStack.Server.Engine;
using RtcStack.Server.Hosting;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Tokens;
using Serilog;

namespace RtcStack.Server;

/// <summary>
/// Builds the RtcStack server: the browser client at <c>/</c>, signaling at <c>/ws</c>, <c>/healthz</c>,
/// <c>/readyz</c>, <c>/metrics</c>, the token endpoints, and the TURN and media parts.
/// Tests start a real server in-process with <see cref="Build"/> (see docs/operations.md).
/// </summary>
public static class RtcStackApp
{
    /// <summary>Runs the process: the <c>token</c> CLI command, or the server until it is stopped.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "token")
        {
            return TokenCommand.Run(args[1..], Console.Out, Console.Error);
        }
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("rtcstack: invalid configuration: " + string.Join(" ", ex.Failures)).ConfigureAwait(false);
            return 2;
        }
        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync("rtcstack: invalid configuration: " + string.Join(" ", ex.Failures)).ConfigureAwait(false);
                return 2;
            }
        }
        return 0;
    }

    /// <summary>
    /// Builds (does not start) the server. Arguments are those of the command line: <c>--dev</c>,
    /// <c>--urls http://127.0.0.1:0</c> (a free port), and any <c>--Section:Key=value</c> setting.
    /// After <c>StartAsync</c>, <see cref="BaseAddress"/> gives the bound address.
    /// </summary>
    public static WebApplication Build(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool dev = args.Contains("--dev");
        string[] rest = [.. args.Where(a => a != "--dev")];
        string baseDir = AppContext.BaseDirectory;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = rest,
            ContentRootPath = baseDir,
            WebRootPath = Path.Combine(baseDir, "wwwroot"),
        });
        if (dev)
        {
            builder.Configuration.AddInMemoryCollection(DevMode.Settings(builder.Configuration));
        }
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8080");
        }
        // Kestrel:Limits:* from configuration, and a bound on open connections below the open-file limit.
        ConnectionLimits.Add(builder);
        bool epoll = UsesEpollEngine(builder.Configuration);
        if (epoll)
        {
            // /ws sessions on our own epoll threads; every other connection (and every non-IP endpoint) goes to Kestrel.
            EpollListenerFactory.Add(builder.Services);
        }
        bool direct = builder.Configuration.GetValue("Server:DirectWebSocket", defaultValue: true);
        if (direct || epoll)
        {
            // GET /ws handshakes are answered before Kestrel's HTTP/1 pipeline (idle sessions keep no request state);
            // everything else passes through to it. TLS endpoints are recorded and left to Kestrel: over https, /ws
            // uses the endpoint, and a plain-text handshake on them is never upgraded.
            builder.Services.AddSingleton<TlsEndpoints>();
            builder.WebHost.ConfigureKestrel(o => o.ConfigureEndpointDefaults(listen => SignalingListener.Attach(listen, direct)));
        }
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext} {ConnectionId} {Message:lj} {Properties:j}{NewLine}{Exception}"));
        AddServices(builder.Services, builder.Configuration, dev);
        WebApplication app = builder.Build();
        if (EpollRequestedButUnsupported(builder.Configuration))
        {
            ServerLog.EpollUnsupported(app.Logger);
        }
        MapEndpoints(app, dev);
        return app;
    }

    /// <summary><c>Server:SignalingEngine</c>: <c>epoll</c> (the default; Linux x86-64 only, elsewhere Kestrel) or <c>kestrel</c>.</summary>
    internal static bool UsesEpollEngine(IConfiguration configuration)
    {
        string engine = configuration["Server:SignalingEngine"] ?? "epoll";
        if (engine.Equals("kestrel", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (!engine.Equals("epoll", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException("Server:SignalingEngine", typeof(string), [$"Server:SignalingEngine must be epoll or kestrel, not '{engine}'"]);
        }
        return EpollEngine.IsSupported;
    }

    private static bool EpollRequestedButUnsupported(IConfiguration configuration) =>
        !EpollEngine.IsSupported && string.Equals(configuration["Server:SignalingEngine"], "epoll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The address the server listens on (after it started), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static Uri BaseAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Urls.First());
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration, bool dev)
    {
        services.AddSingleton(new ServerMode(dev));
        services.AddSingleton<IValidateOptions<SignalingOptions>, SignalingOptionsValidator>();
        services.AddOptions<SignalingOptions>()
            .Bind(configuration.GetSection(SignalingOptions.SectionName))
            .PostConfigure(o => o.TurnSecret ??= configuration["Turn:StaticAuthSecret"])
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IBackplane>(_ => new InMemoryBackplane());
        // Replaces the in-memory default when set; Signaling:RedisBackplane:* tunes it (RedisBackplaneOptions).
        services.AddRedisBackplane(configuration["Signaling:Redis"], o => configuration.GetSection("Signaling:RedisBackplane").Bind(o));
        services.AddSingleton<TokenService>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SignalingHub>(sp, new HttpClient()));
        services.AddHostedService<SignalingHostedService>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        services.AddRtcStackTurn(configuration); // the embedded TURN server (section Turn); off without credentials
    }

    private static void MapEndpoints(WebApplication app, bool dev)
    {
        app.UseWebSockets();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapHealth();
        app.MapMetrics("/metrics");
        app.MapSignaling();
        app.MapTokenEndpoints(dev);
        app.MapMediaEcho(); // only when Media:EchoEndpoint is true
    }
}
