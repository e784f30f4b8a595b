using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>
/// A hub with a manual clock, reached over real loopback TCP sockets carrying WebSockets
/// (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>), so tests drive time and sweeps.
/// </summary>
internal sealed class HubHarness : IAsyncDisposable
{
    public const string Secret = "test-secret-test-secret-test-secret!";
    private readonly List<Task> _serverSides = [];
    private readonly List<TestClient> _clients = [];

    public HubHarness(Action<SignalingOptions>? configure = null, IBackplane? backplane = null, HttpClient? webhookClient = null)
    {
        Options = new SignalingOptions { TokenSecret = Secret, HelloTimeoutMs = 10_000 };
        configure?.Invoke(Options);
        Backplane = backplane ?? new InMemoryBackplane("harness");
        Tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options), Time);
        Hub = new SignalingHub(Microsoft.Extensions.Options.Options.Create(Options), Backplane, Tokens, Time, NullLoggerFactory.Instance, webhookClient);
    }

    public ManualTimeProvider Time { get; } = new();
    public SignalingOptions Options { get; }
    public IBackplane Backplane { get; }
    public TokenService Tokens { get; }
    public SignalingHub Hub { get; }

    /// <summary>Waits (up to 10 s) until <paramref name="peer"/>'s session has lost its connection (detached, resumable).</summary>
    public async Task WaitDetachedAsync(string peer)
    {
        for (int i = 0; i < 400 && Hub.Sessions.TryGetValue(peer, out var s) && s.Connection is not null; i++)
        {
            await Task.Delay(25);
        }
    }

    public async Task StartAsync() => await Hub.StartAsync(CancellationToken.None);

    public string Token(string sub, string room = "*", Permissions perms = Permissions.Publish | Permissions.Subscribe, TimeSpan? ttl = null) =>
        Tokens.Mint(sub, [room], perms, ttl ?? TimeSpan.FromHours(1)).Token;

    /// <summary>A raw client socket (no hello yet).</summary>
    public async Task<TestClient> ConnectAsync(IPAddress? remote = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connect = client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await listener.AcceptAsync();
        await connect;
        WebSocket serverSocket = WebSocket.CreateFromStream(new NetworkStream(server, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        WebSocket clientSocket = WebSocket.CreateFromStream(new NetworkStream(client, ownsSocket: true), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        lock (_serverSides)
        {
            _serverSides.Add(Task.Run(() => Hub.HandleAsync(serverSocket, remote ?? IPAddress.Loopback, CancellationToken.None)));
        }
        var testClient = new TestClient(clientSocket);
        lock (_clients)
        {
            _clients.Add(testClient);
        }
        return testClient;
    }

    /// <summary>A client that said hello as <paramref name="sub"/>.</summary>
    public async Task<TestClient> PeerAsync(string sub, string room = "*")
    {
        TestClient client = await ConnectAsync();
        await client.HelloAsync(Token(sub, room));
        return client;
    }

    public async Task JoinAsync(TestClient client, string room, string? metaJson = null)
    {
        var meta = metaJson is null ? default : System.Text.Json.JsonDocument.Parse(metaJson).RootElement.Clone();
        Protocol.ServerMessage joined = await client.RequestAsync(new Protocol.ClientMessage { Type = "join", Room = room, Meta = meta });
        Assert.Equal("joined", joined.Type);
    }

    /// <summary>Peers alice and bob (hello done), then both joined to <paramref name="room"/>, alice first.</summary>
    public async Task<(TestClient Alice, TestClient Bob)> AliceAndBobInRoomAsync(string room = "r")
    {
        TestClient alice = await PeerAsync("alice");
        TestClient bob = await PeerAsync("bob");
        await JoinAsync(alice, room);
        await JoinAsync(bob, room);
        return (alice, bob);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TestClient c in _clients)
        {
            await c.DisposeAsync();
        }
        Task all;
        lock (_serverSides)
        {
            all = Task.WhenAll(_serverSides);
        }
        await all.WaitAsync(TimeSpan.FromSeconds(30));
        await Hub.DisposeAsync();
    }
}
