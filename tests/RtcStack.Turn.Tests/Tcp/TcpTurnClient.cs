using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A minimal RFC 6062 client over a real TCP connection: framed STUN requests and answers on the control
/// connection (indications such as ConnectionAttempt are queued aside), and data connections made with ConnectionBind.
/// </summary>
internal sealed class TcpTurnClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TcpClient _control = new();
    private readonly IPEndPoint _server;
    private readonly Queue<byte[]> _indications = new();
    private readonly List<byte[]> _responses = [];

    private TcpTurnClient(IPEndPoint server, TestClient credentials)
    {
        _server = server;
        Credentials = credentials;
    }

    internal TestClient Credentials { get; }

    internal TransportAddress Relayed { get; private set; }

    internal NetworkStream Control => _control.GetStream();

    internal static async Task<TcpTurnClient> ConnectAsync(IPEndPoint server, TestClient? credentials = null)
    {
        var client = new TcpTurnClient(server, credentials ?? new TestClient());
        await client._control.ConnectAsync(server);
        return client;
    }

    /// <summary>Challenge, then Allocate with REQUESTED-TRANSPORT TCP; returns the answer.</summary>
    internal async Task<byte[]> AllocateAsync(byte protocol = 6)
    {
        void Transport(ref StunMessageWriter w) => w.AddRequestedTransport(protocol);
        byte[] challenge = await RequestAsync(Credentials.Build(StunMethod.Allocate, Transport, sign: false));
        StunMessageReader.TryParse(challenge, out StunMessageReader r);
        Assert.True(r.TryGetNonce(out ReadOnlySpan<byte> nonce));
        Credentials.Nonce = nonce.ToArray();
        byte[] answer = await RequestAsync(Credentials.Build(StunMethod.Allocate, Transport));
        StunMessageReader.TryParse(answer, out r);
        if (r.TryGetXorRelayedAddress(out TransportAddress relayed))
        {
            Relayed = relayed;
        }
        return answer;
    }

    internal Task<byte[]> CreatePermissionAsync(IPEndPoint peer) =>
        RequestAsync(Credentials.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint(peer))));

    internal Task<byte[]> ConnectPeerAsync(IPEndPoint peer) =>
        RequestAsync(Credentials.Build(StunMethod.Connect, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint(peer))));

    /// <summary>Sends a request on the control connection; returns its response (indications and other answers are kept aside).</summary>
    internal async Task<byte[]> RequestAsync(byte[] request)
    {
        await Control.WriteAsync(request);
        return await ResponseAsync(request);
    }

    /// <summary>The response to an earlier request (matched by transaction ID).</summary>
    internal async Task<byte[]> ResponseAsync(byte[] request)
    {
        byte[]? kept = _responses.Find(m => m.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)));
        if (kept is not null)
        {
            _responses.Remove(kept);
            return kept;
        }
        while (true)
        {
            byte[] message = await ReadMessageAsync(Control);
            if (IsIndication(message))
            {
                _indications.Enqueue(message);
            }
            else if (message.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)))
            {
                return message;
            }
            else
            {
                _responses.Add(message);
            }
        }
    }

    /// <summary>The next indication (queued or read), e.g. ConnectionAttempt.</summary>
    internal async Task<byte[]> NextIndicationAsync()
    {
        if (_indications.Count > 0)
        {
            return _indications.Dequeue();
        }
        return await ReadMessageAsync(Control);
    }

    /// <summary>Opens a new connection, sends ConnectionBind for <paramref name="connectionId"/>; returns it and the answer.</summary>
    internal async Task<(TcpClient Data, byte[] Answer)> BindAsync(uint connectionId, TestClient? credentials = null)
    {
        var data = new TcpClient { NoDelay = true };
        await data.ConnectAsync(_server);
        byte[] request = (credentials ?? Credentials).Build(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.AddConnectionId(connectionId));
        await data.GetStream().WriteAsync(request);
        return (data, await ReadMessageAsync(data.GetStream()));
    }

    internal static bool IsIndication(byte[] message) =>
        StunMessageReader.TryParse(message, out StunMessageReader r) == StunParseResult.Success && r.Class == StunClass.Indication;

    internal static uint ConnectionId(byte[] message)
    {
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader r));
        Assert.True(r.TryGetConnectionId(out uint id), "no CONNECTION-ID");
        return id;
    }

    internal static async Task<byte[]> ReadMessageAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Patience);
        byte[] header = new byte[20];
        await stream.ReadExactlyAsync(header, timeout.Token);
        byte[] message = new byte[20 + ((header[2] << 8) | header[3])];
        header.CopyTo(message, 0);
        await stream.ReadExactlyAsync(message.AsMemory(20), timeout.Token);
        return message;
    }

    /// <summary>Reads until end of stream or error; true when the stream ended (FIN, reset or close) in time.</summary>
    internal static async Task<bool> EndsAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Patience);
        byte[] buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _control.Dispose();
        return ValueTask.CompletedTask;
    }
}
