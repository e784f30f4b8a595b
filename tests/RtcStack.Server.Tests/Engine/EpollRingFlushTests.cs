using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// One socket's part in a ring flush (<see cref="EpollWebSocket.TryBeginRingFlush"/> / <see cref="EpollWebSocket.EndRingFlush"/>):
/// a socket that is in the engine's flush list twice (an EPOLLOUT flush in the same batch lets it be queued again) is
/// staged once only, so the ring never sends the same bytes twice; when only part of what is pending was staged, the
/// rest follows in order: at once when the kernel took the whole part, on the next flush when it was full.
/// </summary>
public sealed class EpollRingFlushTests
{
    [Fact]
    public async Task A_socket_begun_on_this_thread_is_not_staged_again_and_its_frame_goes_out_once()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll);
        using var loop = new EpollLoop(node.Services.GetRequiredService<EpollEngine>(), 99);
        using var pair = await PendingFrameAsync(loop, "HELLO-RING"u8.ToArray());
        byte[] staging = GC.AllocateUninitializedArray<byte>(4096, pinned: true);

        Assert.True(pair.Socket.TryBeginRingFlush(staging, out int length));
        Assert.False(pair.Socket.TryBeginRingFlush(staging.AsSpan(length), out _)); // the lock is this thread's already
        Assert.Equal(2 + 10, length);
        int sent = pair.Server.Send(staging, 0, length, SocketFlags.None);
        EpollWebSocket.FlushOutcome outcome = pair.Socket.EndRingFlush(sent, length);
        pair.Socket.Complete(outcome);
        pair.Socket.Flush(); // a second flush finds nothing left

        byte[] got = pair.ReadAvailable(2 + 10);
        Assert.Equal([0x81, 10, .. "HELLO-RING"u8.ToArray()], got);
        pair.Socket.Abort();
    }

    [Fact]
    public async Task A_staged_part_shorter_than_what_is_pending_leaves_the_rest_for_the_next_flush_in_order()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll);
        using var loop = new EpollLoop(node.Services.GetRequiredService<EpollEngine>(), 98);
        using var pair = await PendingFrameAsync(loop, "0123456789"u8.ToArray());
        byte[] staging = GC.AllocateUninitializedArray<byte>(5, pinned: true); // room for 5 of the 12 bytes

        Assert.True(pair.Socket.TryBeginRingFlush(staging, out int length));
        Assert.Equal(5, length);
        int sent = pair.Server.Send(staging, 0, 3, SocketFlags.None); // the kernel takes 3 of them
        pair.Socket.Complete(pair.Socket.EndRingFlush(sent, length));
        pair.Socket.Flush();

        Assert.Equal([0x81, 10, .. "0123456789"u8.ToArray()], pair.ReadAvailable(12));
        pair.Socket.Abort();
    }

    [Fact]
    public async Task When_the_kernel_takes_the_whole_staged_part_the_rest_is_sent_at_once()
    {
        // A socket that never filled up gets no EPOLLOUT edge: what was not staged must not wait for one.
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll);
        using var loop = new EpollLoop(node.Services.GetRequiredService<EpollEngine>(), 97);
        using var pair = await PendingFrameAsync(loop, "abcdefghij"u8.ToArray());
        byte[] staging = GC.AllocateUninitializedArray<byte>(5, pinned: true);

        Assert.True(pair.Socket.TryBeginRingFlush(staging, out int length));
        int sent = pair.Server.Send(staging, 0, length, SocketFlags.None); // the kernel takes all 5
        pair.Socket.Complete(pair.Socket.EndRingFlush(sent, length)); // no Flush() after this

        Assert.Equal([0x81, 10, .. "abcdefghij"u8.ToArray()], pair.ReadAvailable(12));
        pair.Socket.Abort();
    }

    /// <summary>An engine socket whose one frame is still pending: the kernel was full when it was written, then drained.</summary>
    private static async Task<Pair> PendingFrameAsync(EpollLoop loop, byte[] payload)
    {
        var pair = new Pair(loop);
        byte[] filler = new byte[65536];
        int filled = 0;
        while (pair.Server.Send(filler, SocketFlags.None, out SocketError error) is > 0 and int n && error == SocketError.Success)
        {
            filled += n;
        }
        await pair.Socket.SendAsync(payload, WebSocketMessageType.Text, true, default); // its flush finds the kernel full
        byte[] sink = new byte[filled];
        int read = 0;
        while (read < filled)
        {
            read += pair.Client.Receive(sink, read, filled - read, SocketFlags.None);
        }
        return pair;
    }

    private sealed class Pair : IDisposable
    {
        public Pair(EpollLoop loop)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
            Client.Connect(listener.LocalEndPoint!);
            Server = listener.Accept();
            Server.Blocking = false;
            Socket = new EpollWebSocket(loop, Server, 0, null, null);
        }

        public Socket Client { get; }

        public Socket Server { get; }

        public EpollWebSocket Socket { get; }

        /// <summary>Reads exactly <paramref name="count"/> bytes, then checks that nothing more arrives (no duplicate).</summary>
        public byte[] ReadAvailable(int count)
        {
            byte[] got = new byte[count];
            int read = 0;
            while (read < count)
            {
                int n = Client.Receive(got, read, count - read, SocketFlags.None);
                Assert.True(n > 0, "the connection ended early");
                read += n;
            }
            Client.ReceiveTimeout = 300;
            byte[] more = new byte[64];
            Assert.Throws<SocketException>(() => Client.Receive(more)); // times out: nothing was sent twice
            return got;
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }
}
