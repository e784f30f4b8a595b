using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>
/// UDP GSO in <see cref="SendBatch"/> (Linux x64): runs of equal-sized datagrams to one destination leave as one
/// message and still arrive as the original datagrams, in order; a run the kernel refuses is sent one by one.
/// </summary>
public sealed class BatchedUdpGsoTests : IDisposable
{
    private readonly Socket _first = LoopbackUdp.Bound(1024 * 1024);
    private readonly Socket _second = LoopbackUdp.Bound(1024 * 1024);
    private readonly Socket _sender = LoopbackUdp.Bound(1024 * 1024);

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _sender.Dispose();
    }

    [Fact]
    public void Equal_datagrams_to_one_destination_share_a_message_and_arrive_one_by_one_in_order()
    {
        if (!LinuxNative.IsSupported || !SendBatch.GsoEnabled)
        {
            return;
        }
        // (destination, length) per datagram: a run of 10 closed by a shorter one, a run of 5, a run of 3 to the
        // other socket, then datagrams larger than MaxSegmentSize, which never share a message.
        var plan = new List<(Socket To, int Length)>();
        plan.AddRange(Enumerable.Repeat((_first, 100), 10));
        plan.Add((_first, 60));
        plan.AddRange(Enumerable.Repeat((_first, 100), 5));
        plan.AddRange(Enumerable.Repeat((_second, 100), 3));
        plan.AddRange(Enumerable.Repeat((_first, SendBatch.MaxSegmentSize + 1), 3));
        byte[] data = GC.AllocateArray<byte>(plan.Count * 2048, pinned: true);
        using var batch = new SendBatch(32);
        for (int i = 0; i < plan.Count; i++)
        {
            Span<byte> datagram = data.AsSpan(i * 2048, plan[i].Length);
            datagram.Fill((byte)i);
            BinaryPrimitives.WriteInt32BigEndian(datagram, i);
            batch.Add(_sender, datagram, plan[i].To.LocalEndPoint!.Serialize());
        }
        Assert.Equal(plan.Count, batch.Pending);
        Assert.Equal(6, batch.PendingMessages); // 11, 5, 3, 1, 1, 1
        batch.Flush();
        Assert.Equal(0, batch.PendingMessages);
        AssertReceived(_first, plan.Select((p, i) => (p, i)).Where(x => x.p.To == _first).Select(x => (x.i, x.p.Length)));
        AssertReceived(_second, plan.Select((p, i) => (p, i)).Where(x => x.p.To == _second).Select(x => (x.i, x.p.Length)));
    }

    [Fact]
    public void A_run_the_kernel_refuses_is_sent_datagram_by_datagram()
    {
        if (!LinuxNative.IsSupported || !SendBatch.GsoEnabled)
        {
            return;
        }
        // SO_NO_CHECK (no UDP checksum) makes the kernel refuse UDP GSO with EINVAL.
        _sender.SetRawSocketOption(1, 11, BitConverter.GetBytes(1));
        byte[] data = GC.AllocateArray<byte>(8 * 100, pinned: true);
        using var batch = new SendBatch(32);
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(i * 100), i);
            batch.Add(_sender, data.AsSpan(i * 100, 100), _first.LocalEndPoint!.Serialize());
        }
        Assert.Equal(1, batch.PendingMessages);
        batch.Flush();
        AssertReceived(_first, Enumerable.Range(0, 8).Select(i => (i, 100)));
        Assert.True(SendBatch.GsoEnabled); // EINVAL concerns that route or socket, not the kernel
    }

    private void AssertReceived(Socket receiver, IEnumerable<(int Index, int Length)> expected)
    {
        byte[] buffer = new byte[4096];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int senderPort = ((IPEndPoint)_sender.LocalEndPoint!).Port;
        foreach ((int index, int length) in expected)
        {
            int n = receiver.ReceiveFrom(buffer, ref from);
            Assert.Equal((index, length), (BinaryPrimitives.ReadInt32BigEndian(buffer), n));
            Assert.Equal(senderPort, ((IPEndPoint)from).Port);
        }
        Assert.Equal(0, receiver.Available);
    }
}
