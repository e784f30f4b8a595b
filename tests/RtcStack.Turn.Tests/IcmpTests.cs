using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>RFC 8656 §11.5 with <see cref="TurnOptions.ReportIcmp"/>: an ICMP port unreachable from a peer reaches the client.</summary>
public sealed class IcmpTests
{
    [Fact]
    public async Task Port_unreachable_from_a_permitted_peer_becomes_a_Data_indication_with_ICMP()
    {
        if (!LinuxNative.IsSupported)
        {
            return; // the error queue is read by the Linux x64 relay poller only
        }
        await using var server = new TurnServer(new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            EnableTcp = false,
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            AllowedPeerIps = ["127.0.0.1"],
            MinPort = 42000,
            MaxPort = 42999,
            ReportIcmp = true,
        });
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        IPEndPoint turn = server.UdpEndPoints[0];
        var client = new TestClient();
        byte[] challenge = await ExchangeAsync(socket, turn, client.Build(StunMethod.Allocate, TestClient.RequestUdp, sign: false));
        StunMessageReader.TryParse(challenge, out StunMessageReader r);
        Assert.True(r.TryGetNonce(out ReadOnlySpan<byte> nonce));
        client.Nonce = nonce.ToArray();
        Assert.Equal(0, Answer.ErrorCode(await ExchangeAsync(socket, turn, client.Build(StunMethod.Allocate, TestClient.RequestUdp))));

        var closed = new IPEndPoint(IPAddress.Loopback, Interop.ExternalProcess.FreeUdpPort());
        TransportAddress peer = TransportAddress.FromEndPoint(closed);
        Assert.Equal(0, Answer.ErrorCode(await ExchangeAsync(socket, turn, client.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorPeerAddress(peer)))));
        byte[] send = client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.AddXorPeerAddress(peer);
            w.AddData([1, 2, 3]);
        }, sign: false, cls: StunClass.Indication);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        byte[] buffer = new byte[1500];
        while (true)
        {
            await socket.SendToAsync(send, turn, timeout.Token); // resent: the first datagram may race the poller registration
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            wait.CancelAfter(TimeSpan.FromSeconds(2));
            int length;
            try
            {
                length = (await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), wait.Token)).ReceivedBytes;
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                continue;
            }
            if (IsIcmpIndication(buffer.AsSpan(0, length), peer))
            {
                break;
            }
        }
    }

    [Fact]
    public void Error_queue_control_message_and_address_are_read()
    {
        // struct cmsghdr (len 48, SOL_IP, IP_RECVERR) + struct sock_extended_err (ECONNREFUSED, origin ICMP, 3/4, info 1400).
        byte[] control = new byte[48];
        BitConverter.TryWriteBytes(control.AsSpan(0), 48L);
        BitConverter.TryWriteBytes(control.AsSpan(8), 0);
        BitConverter.TryWriteBytes(control.AsSpan(12), 11);
        BitConverter.TryWriteBytes(control.AsSpan(16), 111);
        control[20] = 2;
        control[21] = 3;
        control[22] = 4;
        BitConverter.TryWriteBytes(control.AsSpan(24), 1400u);
        Assert.True(IcmpReporter.TryReadError(control, out byte origin, out byte type, out byte code, out uint info));
        Assert.Equal((2, 3, 4, 1400u), (origin, type, code, info));
        Assert.False(IcmpReporter.TryReadError(control.AsSpan(0, 20), out _, out _, out _, out _));

        byte[] name = [2, 0, 0x13, 0x88, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.True(IcmpReporter.TryReadAddress(name, out TransportAddress address));
        Assert.Equal(IPEndPoint.Parse("192.0.2.7:5000"), address.ToEndPoint());
    }

    [FsCheck.Xunit.Property]
    public bool Reading_never_throws(byte[] control, byte[] name)
    {
        _ = IcmpReporter.TryReadError(control, out _, out _, out _, out _);
        _ = IcmpReporter.TryReadAddress(name, out _);
        return true;
    }

    private static bool IsIcmpIndication(ReadOnlySpan<byte> message, TransportAddress expectedPeer)
    {
        if (StunMessageReader.TryParse(message, out StunMessageReader r) != StunParseResult.Success
            || r.Method != StunMethod.Data || r.Class != StunClass.Indication)
        {
            return false;
        }
        Assert.True(r.TryGetIcmp(out int type, out int code, out uint errorData));
        Assert.Equal((3, 3, 0u), (type, code, errorData)); // destination unreachable, port unreachable
        Assert.True(r.TryGetXorPeerAddress(out TransportAddress peer));
        Assert.Equal(expectedPeer, peer);
        Assert.False(r.TryGetData(out _));
        return true;
    }

    private static async Task<byte[]> ExchangeAsync(Socket socket, IPEndPoint server, byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.SendToAsync(request, server, timeout.Token);
        byte[] buffer = new byte[1500];
        SocketReceiveFromResult result = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return buffer[..result.ReceivedBytes];
    }
}
