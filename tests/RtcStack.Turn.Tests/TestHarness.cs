using System.Net;
using System.Security.Cryptography;
using System.Text;
using RtcStack.Stun;
using RtcStack.Turn.Handlers;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>Writes attributes into a request being built.</summary>
internal delegate void AttributeWriter(ref StunMessageWriter writer);

/// <summary>An endpoint that keeps what the server answers (copies: test side only).</summary>
internal sealed class CapturingEndpoint : IClientEndpoint
{
    public List<byte[]> Sent { get; } = [];

    public bool IsStream { get; init; }

    public void Send(ReadOnlySpan<byte> message) => Sent.Add(message.ToArray());

    public IClientSink Persist() => this;
}

/// <summary>A sink that only counts, so allocation measurements see the server alone.</summary>
internal sealed class CountingSink : IClientEndpoint
{
    public int Count;
    public long Bytes;

    public bool IsStream => false;

    public void Send(ReadOnlySpan<byte> message)
    {
        Count++;
        Bytes += message.Length;
    }

    public IClientSink Persist() => this;
}

/// <summary>
/// A TurnServer on 127.0.0.1 (port 0) driven through its processor on the test thread with a manual clock:
/// deterministic handler tests with real relay sockets.
/// </summary>
internal sealed class TestHarness : IAsyncDisposable
{
    internal const string Realm = "test.realm";
    internal const string User = "alice";
    internal const string Password = "secret-pw";
    internal const string RestSecret = "rest-secret";

    internal TestHarness(Action<TurnOptions>? configure = null)
    {
        Options = new TurnOptions
        {
            ListeningPort = 0,
            Realm = Realm,
            MinPort = 41000,
            MaxPort = 41999,
            Users = { [User] = Password, ["bob"] = "bob-pw" },
            StaticAuthSecret = RestSecret,
            AllowedPeerIps = ["127.0.0.1"],
            EnableTcp = false,
        };
        configure?.Invoke(Options);
        Server = new TurnServer(Options, timeProvider: Time);
        Server.StartAsync().GetAwaiter().GetResult();
        ServerAddress = TransportAddress.FromEndPoint(Server.UdpEndPoints[0]);
    }

    internal ManualTime Time { get; } = new();

    internal TurnOptions Options { get; }

    internal TurnServer Server { get; }

    internal TransportAddress ServerAddress { get; }

    internal TurnState State => Server.State!;

    internal IngressState Ingress { get; } = new();

    internal FiveTuple Tuple(int clientPort = 40000) =>
        new(TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, clientPort)), ServerAddress, TransportProtocol.Udp);

    /// <summary>Processes one message and returns the single answer (or null when none).</summary>
    internal byte[]? Send(byte[] message, FiveTuple? tuple = null, IClientEndpoint? endpoint = null)
    {
        var capture = endpoint as CapturingEndpoint ?? new CapturingEndpoint();
        Server.Processor!.Process(message, tuple ?? Tuple(), endpoint ?? capture, Ingress);
        return capture.Sent.Count == 0 ? null : capture.Sent[^1];
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Builds client requests with the long-term credential mechanism.</summary>
internal sealed class TestClient(string user = TestHarness.User, string password = TestHarness.Password, string realm = TestHarness.Realm)
{
    internal byte[] Key { get; } = StunCredentials.ComputeLongTermKey(user, realm, password);

    internal byte[] Nonce { get; set; } = [];

    internal TransactionId LastTransaction { get; private set; }

    internal byte[] Build(StunMethod method, AttributeWriter? attributes = null, bool sign = true, StunClass cls = StunClass.Request, TransactionId? id = null)
    {
        var buffer = new byte[1500];
        LastTransaction = id ?? TransactionId.NewRandom();
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, cls), LastTransaction);
        attributes?.Invoke(ref writer);
        if (sign)
        {
            writer.AddUsername(user);
            writer.AddRealm(realm);
            writer.AddNonce(Nonce);
            writer.AddMessageIntegrity(Key);
        }
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }

    /// <summary>Sends an unsigned Allocate, keeps the NONCE of the 401.</summary>
    internal void Challenge(TestHarness harness, FiveTuple tuple)
    {
        byte[] response = harness.Send(Build(StunMethod.Allocate, RequestUdp, sign: false), tuple)!;
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out StunMessageReader reader));
        Assert.True(reader.TryGetNonce(out ReadOnlySpan<byte> nonce));
        Nonce = nonce.ToArray();
    }

    internal static void RequestUdp(ref StunMessageWriter w) => w.AddRequestedTransport(17);

    internal static string RestUser(DateTimeOffset expires, string user) => $"{expires.ToUnixTimeSeconds()}:{user}";

    internal static string RestPassword(string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TestHarness.RestSecret), Encoding.UTF8.GetBytes(username)));
}

/// <summary>Reading answers in assertions.</summary>
internal static class Answer
{
    internal static int ErrorCode(byte[]? response)
    {
        Assert.NotNull(response);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out StunMessageReader reader));
        if (reader.Class == StunClass.SuccessResponse)
        {
            return 0;
        }
        Assert.True(reader.TryGetErrorCode(out int code, out _));
        return code;
    }
}
