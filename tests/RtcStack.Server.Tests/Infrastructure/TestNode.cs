using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RtcStack.Client;
using RtcStack.Signaling;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>
/// A real RtcStack server started in-process on a free 127.0.0.1 port (<see cref="RtcStackApp.Build"/>),
/// with helpers to mint tokens and connect <see cref="SignalingClient"/>s to it.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    public const string Secret = "integration-test-secret-0123456789-abcdefghijklmnop";
    private readonly WebApplication _app;
    private readonly List<SignalingClient> _clients = [];
    private bool _stopped;

    private TestNode(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress => RtcStackApp.BaseAddress(_app);

    public Uri WebSocketUri => new($"ws://{BaseAddress.Authority}/ws");

    public IServiceProvider Services => _app.Services;

    public TokenService Tokens => _app.Services.GetRequiredService<TokenService>();

    /// <summary>Starts a node. <paramref name="settings"/> are <c>Signaling:</c> keys (e.g. <c>RoomCapacity=2</c>).</summary>
    public static async Task<TestNode> StartAsync(params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--Signaling:TokenSecret=" + Secret,
            "--Serilog:MinimumLevel:Default=Warning",
            .. settings.Select(s => s.StartsWith("--", StringComparison.Ordinal) ? s : "--Signaling:" + s),
        ];
        var app = RtcStackApp.Build(args);
        await app.StartAsync();
        return new TestNode(app);
    }

    public string Mint(string sub, string room = "*", Permissions permissions = Permissions.Publish | Permissions.Subscribe, TimeSpan? ttl = null) =>
        Tokens.Mint(sub, [room], permissions, ttl ?? TimeSpan.FromHours(1)).Token;

    /// <summary>A client for <paramref name="sub"/> (not yet connected); disposed with the node.</summary>
    public SignalingClient Client(string sub, Action<SignalingClientOptions>? configure = null, string room = "*")
    {
        var options = new SignalingClientOptions
        {
            ServerUri = WebSocketUri,
            Token = Mint(sub, room),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            RequestTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        var client = new SignalingClient(options);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>A connected client with an <see cref="EventLog"/>.</summary>
    public async Task<(SignalingClient Client, EventLog Events)> ConnectAsync(string sub, Action<SignalingClientOptions>? configure = null)
    {
        var client = Client(sub, configure);
        var events = new EventLog(client);
        await client.ConnectAsync();
        return (client, events);
    }

    /// <summary>A connected client that reaches this node through <paramref name="balancer"/>.</summary>
    public async Task<(SignalingClient Client, EventLog Events)> ConnectViaAsync(LoadBalancer balancer, string sub, Action<SignalingClientOptions>? configure = null)
    {
        return await ConnectAsync(sub, o =>
        {
            o.ServerUri = balancer.WebSocketUri;
            configure?.Invoke(o);
        });
    }

    /// <summary>GET a path on the node's HTTP address; returns the status code.</summary>
    public async Task<int> GetStatusAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return (int)response.StatusCode;
    }

    public async Task<string> GetStringAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(new Uri(path, UriKind.Relative));
    }

    /// <summary>
    /// Sums the <c>/metrics</c> samples whose metric name ends with <paramref name="nameSuffix"/> (or that plus
    /// <c>_total</c>) and whose labels contain <paramref name="labelFragment"/>.
    /// </summary>
    public async Task<double> MetricAsync(string nameSuffix, string? labelFragment = null)
    {
        string text = await GetStringAsync("/metrics");
        double sum = 0;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string metric = line.Split('{', ' ')[0];
            if ((metric.EndsWith(nameSuffix, StringComparison.Ordinal) || metric.EndsWith(nameSuffix + "_total", StringComparison.Ordinal))
                && (labelFragment is null || line.Contains(labelFragment, StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public SignalingOptions Options => _app.Services.GetRequiredService<IOptions<SignalingOptions>>().Value;

    /// <summary>Stops the server gracefully (clients get <c>going-away</c>).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        SignalingClient[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        await StopAsync();
        await _app.DisposeAsync();
    }
}
