using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>The recvmmsg/sendmmsg batches of the Linux x64 UDP datapath, on real loopback sockets.</summary>
public sealed class BatchedUdpTests : IDisposable
{
    private readonly Socket _receiver = LoopbackUdp.Bound();
    private readonly Socket _a = LoopbackUdp.Bound();
    private readonly Socket _b = LoopbackUdp.Bound();

    private static int Port(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    public void Dispose()
    {
        _receiver.Dispose();
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public void Send_batch_sends_in_order_flushes_when_full_and_when_the_socket_changes()
    {
        if (!LinuxNative.IsSupported)
        {
            return;
        }
        byte[] payloads = GC.AllocateArray<byte>(55 * 4, pinned: true);
        SocketAddress to = _receiver.LocalEndPoint!.Serialize();
        using var batch = new SendBatch(32);
        for (int i = 0; i < 55; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payloads.AsSpan(i * 4), i);
            batch.Add(i < 50 ? _a : _b, payloads.AsSpan(i * 4, 4), to);
        }
        Assert.Equal(5, batch.Pending); // 32 went when full, 18 when the socket changed
        batch.Flush();
        Assert.Equal(0, batch.Pending);
        byte[] buffer = new byte[16];
        EndPoint sender = new IPEndPoint(IPAddress.Any, 0);
        for (int i = 0; i < 55; i++)
        {
            int n = _receiver.ReceiveFrom(buffer, ref sender);
            Assert.Equal(4, n);
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(buffer));
            Assert.Equal(Port(i < 50 ? _a : _b), ((IPEndPoint)sender).Port);
        }
    }

    [Fact]
    public void Copied_datagrams_survive_the_reuse_of_their_source_buffer_until_the_flush()
    {
        if (!LinuxNative.IsSupported)
        {
            return;
        }
        byte[] scratch = new byte[1024]; // like the response scratch buffer: rewritten for every datagram
        using var batch = new SendBatch(64);
        SocketAddress first = _receiver.LocalEndPoint!.Serialize();
        SocketAddress second = _a.LocalEndPoint!.Serialize();
        int count = (SendBatch.CopyBufferSize / 1000) + 5; // more than the copy buffer holds: it flushes on the way
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(scratch, i);
            scratch.AsSpan(4, 996).Fill((byte)i);
            batch.AddCopy(_b, scratch.AsSpan(0, 1000), i % 2 == 0 ? first : second);
        }
        batch.Flush();
        byte[] buffer = new byte[2048];
        for (int i = 0; i < count; i++)
        {
            int n = (i % 2 == 0 ? _receiver : _a).Receive(buffer);
            Assert.Equal(1000, n);
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(buffer));
            Assert.True(buffer.AsSpan(4, 996).IndexOfAnyExcept((byte)i) < 0);
        }
    }

    [Fact]
    public void Send_batch_drops_datagrams_queued_for_a_socket_closed_since()
    {
        if (!LinuxNative.IsSupported)
        {
            return;
        }
        byte[] payload = GC.AllocateArray<byte>(8, pinned: true);
        using var batch = new SendBatch(8);
        var doomed = LoopbackUdp.Bound();
        batch.Add(doomed, payload, _receiver.LocalEndPoint!.Serialize());
        doomed.Dispose();
        batch.Flush(); // must not throw
        Assert.Equal(0, batch.Pending);
        batch.Add(_a, payload, _receiver.LocalEndPoint!.Serialize());
        batch.Flush();
        Assert.Equal(8, _receiver.Receive(new byte[16]));
    }

    [Fact]
    public void Datagram_batch_receives_several_with_their_senders_and_flags_truncation()
    {
        if (!LinuxNative.IsSupported)
        {
            return;
        }
        EndPoint target = _receiver.LocalEndPoint!;
        _a.SendTo(Fill(10, 1), target);
        _a.SendTo(Fill(20, 2), target);
        _a.SendTo(Fill(100, 3), target); // longer than the capacity
        _b.SendTo(Fill(30, 4), target);
        using var batch = new DatagramBatch(8, 64, 16, 48);
        int fd = (int)_receiver.SafeHandle.DangerousGetHandle();
        int received = 0;
        int[] lengths = new int[4];
        bool[] truncated = new bool[4];
        int[] ports = new int[4];
        byte[] first = new byte[4];
        SocketAddress from = SocketAddressReader.Create(AddressFamily.InterNetwork);
        for (int attempt = 0; attempt < 100 && received < 4; attempt++)
        {
            int n = batch.Receive(fd, LinuxNative.MsgDontWait);
            for (int i = 0; i < n; i++)
            {
                lengths[received] = batch.Length(i);
                truncated[received] = batch.Truncated(i);
                first[received] = batch.Datagram(i)[0];
                Assert.Equal(first[received], batch.Slot(i)[16]); // the datagram starts after the headroom
                batch.CopyAddress(i, from);
                ports[received] = SocketAddressReader.Read(from).Port;
                received++;
            }
            if (received < 4)
            {
                Thread.Sleep(10);
            }
        }
        Assert.Equal(4, received);
        Assert.Equal([10, 20, 48, 30], lengths);
        Assert.Equal([false, false, true, false], truncated);
        Assert.Equal([1, 2, 3, 4], first);
        Assert.Equal([Port(_a), Port(_a), Port(_a), Port(_b)], ports);
    }

    [Fact]
    public void Stream_frames_for_one_client_leave_in_one_write()
    {
        var first = new WriteRecorder();
        var second = new WriteRecorder();
        using var batch = new SendBatch(8);
        batch.AddStream(first, Fill(8, 1));
        batch.AddStream(first, Fill(12, 2));
        Assert.Empty(first.Writes); // held until the flush or another client
        batch.AddStream(second, Fill(4, 3));
        Assert.Equal([[1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], first.Writes);
        batch.AddStream(second, Fill(SendBatch.StreamBufferSize + 1, 4)); // too big to hold: flushes, then goes alone
        Assert.Equal(2, second.Writes.Count);
        Assert.Equal(Fill(4, 3), second.Writes[0]);
        Assert.Equal(SendBatch.StreamBufferSize + 1, second.Writes[1].Length);
        batch.AddStream(second, Fill(SendBatch.StreamBufferSize - 2, 5));
        batch.AddStream(second, Fill(4, 6)); // does not fit behind the first: the first goes alone
        batch.Flush();
        Assert.Equal([SendBatch.StreamBufferSize + 1, SendBatch.StreamBufferSize - 2, 4], second.Writes.Skip(1).Select(w => w.Length));
        batch.Flush(); // nothing queued: no write
        Assert.Equal(4, second.Writes.Count);
    }

    private sealed class WriteRecorder : IClientSink
    {
        public List<byte[]> Writes { get; } = [];

        public bool IsStream => true;

        public void Send(ReadOnlySpan<byte> message) => Writes.Add(message.ToArray());
    }

    private static byte[] Fill(int length, byte value)
    {
        byte[] data = new byte[length];
        Array.Fill(data, value);
        return data;
    }
}
