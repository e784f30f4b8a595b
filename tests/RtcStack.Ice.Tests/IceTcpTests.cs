using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Ice.Tests;

/// <summary>ICE-TCP passive candidate (RFC 6544) with RFC 4571 framing.</summary>
public sealed class IceTcpTests
{
    [Fact]
    public async Task Framed_check_is_answered_and_media_flows_both_ways_over_tcp()
    {
        await using var server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IceServerOptions { EnableTcp = true });
        Assert.NotNull(server.TcpLocalEndPoint);
        using var transport = server.CreateTransport();
        var received = new BlockingCollection<(MediaPacketKind, byte[])>();
        transport.PacketReceived = (kind, data) => received.Add((kind, data.ToArray()));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.TcpLocalEndPoint!);
        client.ReceiveTimeout = 30_000;

        // Unauthenticated media first: dropped.
        await SendFrame(client, [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]);
        // A check split across two writes, to exercise reassembly.
        var check = IceTestClient.BindingRequest(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, useCandidate: true);
        var framed = new byte[check.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)check.Length);
        check.CopyTo(framed, 2);
        await client.SendAsync(framed.AsMemory(0, 5));
        await Task.Delay(50);
        await client.SendAsync(framed.AsMemory(5));
        var response = ReadFrame(client);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.SuccessResponse, reader.Class);
        Assert.Equal(IceState.Completed, transport.State);
        Assert.Equal(TransportProtocol.Tcp, transport.SelectedProtocol);

        byte[] dtls = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        await SendFrame(client, dtls);
        Assert.True(received.TryTake(out var got, 30_000));
        Assert.Equal(MediaPacketKind.Dtls, got.Item1);
        Assert.Equal(dtls, got.Item2);
        Assert.False(received.TryTake(out _, 100));

        Assert.True(transport.Send([0x80, 1, 2, 3]));
        Assert.Equal([0x80, 1, 2, 3], ReadFrame(client));
    }

    [Fact]
    public async Task Past_max_tcp_connections_a_connection_waits_in_the_backlog_and_is_served_when_one_closes()
    {
        await using var server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IceServerOptions { EnableTcp = true, MaxTcpConnections = 2 });
        using var transport = server.CreateTransport();
        var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await first.ConnectAsync(server.TcpLocalEndPoint!);
            await second.ConnectAsync(server.TcpLocalEndPoint!);
            await third.ConnectAsync(server.TcpLocalEndPoint!); // completes in the kernel's backlog
            third.ReceiveTimeout = 30_000;
            byte[] check = IceTestClient.BindingRequest(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, useCandidate: false);

            // The first two are served.
            await SendFrame(first, check);
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(ReadFrame(first), out _));

            // The third is not accepted while both slots are taken (it would have been accepted and closed before).
            await SendFrame(third, check);
            Assert.False(third.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead), "the third connection was answered or closed");

            // One closes: the third is accepted and its check answered.
            first.Dispose();
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(ReadFrame(third), out var reader));
            Assert.Equal(StunClass.SuccessResponse, reader.Class);
        }
        finally
        {
            first.Dispose();
        }
    }

    [Fact]
    public async Task A_peer_that_reconnects_over_tcp_again_and_again_leaves_one_connection_with_the_transport()
    {
        await using var server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0), new IceServerOptions { EnableTcp = true });
        using var transport = server.CreateTransport();
        byte[] check = IceTestClient.BindingRequest(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, useCandidate: true);
        for (int i = 0; i < 11; i++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
            await client.ConnectAsync(server.TcpLocalEndPoint!);
            await SendFrame(client, check);
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(ReadFrame(client), out _));
            if (i == 10)
            {
                break; // the last one stays open
            }
            client.Dispose();
            // Wait until the server saw it end (its read loop closed it).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (server.OpenTcpConnections > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
            Assert.Equal(0, server.OpenTcpConnections);
        }
        Assert.Equal(1, transport.TcpConnectionCount);
    }

    private static async Task SendFrame(Socket socket, byte[] payload)
    {
        var frame = new byte[payload.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
        payload.CopyTo(frame, 2);
        await socket.SendAsync(frame);
    }

    private static byte[] ReadFrame(Socket socket)
    {
        var header = ReadExactly(socket, 2);
        return ReadExactly(socket, BinaryPrimitives.ReadUInt16BigEndian(header));
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            Assert.True(n > 0, "connection closed");
            read += n;
        }
        return buffer;
    }
}
