using System.Globalization;
using Prometheus;
using RtcStack.Turn;
using RtcStack.Turn.Server;
using Serilog;
using Serilog.Events;

// rtcstack-turn: the RtcStack TURN server on its own, configured with coturn's option names.

// TCP/TLS clients: socket continuations run on the socket engine's epoll thread, as in coturn's event loops, instead
// of being handed to a thread-pool worker per record (server CPU per message about 0.65-0.8x, docs/turn.md "Threads
// and performance"). Read when the first socket is used, so it is set before anything else; an operator's own
// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS (e.g. 0) wins. The UDP paths have their own threads either way.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

CoturnArguments parsed = CoturnArguments.Parse(args);
if (parsed.ShowHelp)
{
    Console.WriteLine("usage: rtcstack-turn [-c turnserver.conf] [--option value ...]\nsupported options (coturn names):");
    Console.WriteLine("  " + string.Join("\n  ", CoturnOptionTable.Names));
    return 0;
}
IReadOnlyList<string> errors = [.. parsed.Errors, .. parsed.Errors.Count == 0 ? parsed.Options.Validate() : []];
if (errors.Count > 0)
{
    foreach (string error in errors)
    {
        Console.Error.WriteLine($"rtcstack-turn: {error}");
    }
    return 2;
}

HostSettings host = parsed.Host;
LoggerConfiguration logConfig = new LoggerConfiguration()
    .MinimumLevel.Is(host.Verbose ? LogEventLevel.Debug : LogEventLevel.Information)
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
if (!host.NoStdoutLog)
{
    logConfig = logConfig.WriteTo.Console(formatProvider: CultureInfo.InvariantCulture);
}
if (!string.IsNullOrEmpty(host.LogFile) && host.LogFile != "stdout")
{
    logConfig = logConfig.WriteTo.File(host.LogFile, formatProvider: CultureInfo.InvariantCulture, buffered: true, flushToDiskInterval: TimeSpan.FromSeconds(1));
}
Log.Logger = logConfig.CreateLogger();
if (host.PidFile is not null)
{
    await File.WriteAllTextAsync(host.PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
}

try
{
    WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(HostSettings.WebHostOptions());
    builder.Host.UseSerilog();
    builder.Services.AddSingleton(parsed.Options);
    builder.Services.AddSingleton(sp => new TurnServer(parsed.Options, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, null));
    builder.Services.AddHostedService<TurnServerHostedService>();
    builder.WebHost.UseUrls(host.Prometheus
        ? string.Create(CultureInfo.InvariantCulture, $"http://{(host.PrometheusAddress.Contains(':', StringComparison.Ordinal) ? $"[{host.PrometheusAddress}]" : host.PrometheusAddress)}:{host.PrometheusPort}")
        : "http://127.0.0.1:0");
    WebApplication app = builder.Build();
    if (host.Prometheus)
    {
        app.MapMetrics("/metrics");
    }
    await app.RunAsync();
    return 0;
}
catch (InvalidOperationException ex)
{
    Log.Fatal(ex, "rtcstack-turn could not start");
    return 1;
}
catch (System.Net.Sockets.SocketException ex)
{
    Log.Fatal(ex, "rtcstack-turn could not bind");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
