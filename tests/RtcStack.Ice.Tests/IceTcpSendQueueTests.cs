using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RtcStack.Ice.Tests;

/// <summary>
/// An ICE-TCP connection configured with a send queue smaller than the largest RFC 4571 frame: frames the kernel
/// takes only in part never throw, and what reaches the peer is whole frames, in order (the queue is at least one
/// frame long, so the rest of a partly sent frame always fits).
/// </summary>
public sealed class IceTcpSendQueueTests
{
    [Fact]
    public async Task Large_frames_with_a_small_configured_queue_reach_a_slow_peer_whole_and_in_order()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, ReceiveTimeout = 30_000 };
        Task<Socket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await accept;
        server.SendBufferSize = 4096;
        using var connection = new IceTcpConnection(server, queueCapacity: 4096) { Validated = true };

        var accepted = new List<int>();
        for (int k = 0; k < 6; k++)
        {
            byte[] frame = new byte[60_000];
            Array.Fill(frame, (byte)(k + 1));
            if (connection.Send(frame)) // never throws; false when dropped whole
            {
                accepted.Add(k + 1);
            }
        }
        Assert.NotEmpty(accepted);

        var got = new List<int>();
        byte[] header = new byte[2];
        byte[] body = new byte[60_000];
        foreach (int _ in accepted)
        {
            ReadExactly(client, header);
            Assert.Equal(60_000, BinaryPrimitives.ReadUInt16BigEndian(header));
            ReadExactly(client, body);
            Assert.All(body, b => Assert.Equal(body[0], b));
            got.Add(body[0]);
        }
        Assert.Equal(accepted, got);
    }

    [Fact]
    public async Task A_connection_no_check_validated_queues_nothing_and_is_closed_when_it_does_not_read()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        Task<Socket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await accept;
        server.SendBufferSize = 4096;
        using var connection = new IceTcpConnection(server);

        bool anyRefused = false;
        for (int k = 0; k < 8 && !anyRefused; k++)
        {
            anyRefused = !connection.Send(new byte[60_000]); // far more than the kernel holds for a peer that does not read
        }

        Assert.True(anyRefused);
        Assert.True(connection.IsClosed);
        Assert.False(connection.Send(new byte[10]));
        Assert.Equal(0, connection.QueueDrops); // nothing was queued, so nothing was dropped from a queue
    }

    private static void ReadExactly(Socket socket, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            Assert.True(n > 0, "the connection ended early");
            read += n;
        }
    }
}
