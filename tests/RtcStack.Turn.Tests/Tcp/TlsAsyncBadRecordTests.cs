using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TLS client read by the asynchronous reader (no stream poller) whose ChannelData records and then a bad record
/// arrive in one read: every frame before the bad record reaches the peer, once and in order, then the connection
/// closes (the SslStream is handed one record per read, so it never decrypts the good ones and throws at the bad one
/// together). Real sockets on 127.0.0.1.
/// </summary>
public sealed class TlsAsyncBadRecordTests : IAsyncLifetime
{
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
    private TurnServer? _server;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        (_server, _dir) = await PolledStreamServer.StartAsync(poller: null, "rtcstack-turn-asyncbad");
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(0x17)] // application data that does not decrypt
    [InlineData(0x99)] // a record type TLS does not have
    public async Task Frames_before_a_bad_record_in_the_same_read_reach_the_peer_then_the_connection_closes(byte type)
    {
        await using StreamTurnClient client = await StreamTurnClient.ConnectAsync(_server!.TlsEndPoints[0], tls: true);
        await client.AllocateAndBindAsync((IPEndPoint)_peer.LocalEndPoint!).WaitAsync(ManualPollRig.Patience);
        CorkedStream cork = client.Cork!;
        var payloads = new byte[12][];
        cork.Corked = true;
        for (int i = 0; i < payloads.Length; i++)
        {
            payloads[i] = new byte[50 + (i * 97)];
            Random.Shared.NextBytes(payloads[i]);
            client.Stream.Write(StreamTurnClient.ChannelData(payloads[i])); // a record each, held
        }
        byte[] bad = new byte[5 + 64];
        Random.Shared.NextBytes(bad);
        (bad[0], bad[1], bad[2], bad[3], bad[4]) = (type, 3, 3, 0, 64);
        cork.Write(bad);
        cork.Corked = false;
        cork.Flush(); // all in one write

        byte[] buffer = new byte[2048];
        for (int i = 0; i < payloads.Length; i++)
        {
            Assert.True(_peer.Poll((int)ManualPollRig.Patience.TotalMicroseconds, SelectMode.SelectRead), $"frame {i} never reached the peer");
            int n = _peer.Receive(buffer);
            Assert.True(payloads[i].AsSpan().SequenceEqual(buffer.AsSpan(0, n)), $"datagram {i} is not frame {i}");
        }
        Assert.True(await ClosedAsync(client.Stream), "the client's connection stayed open");
        Assert.False(_peer.Poll(100_000, SelectMode.SelectRead), "a frame reached the peer twice");
    }

    private static async Task<bool> ClosedAsync(Stream stream)
    {
        try
        {
            return await TcpTurnClient.EndsAsync(stream);
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }
}
