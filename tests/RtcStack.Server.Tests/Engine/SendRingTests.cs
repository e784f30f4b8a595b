using System.Net;
using System.Net.Sockets;
using RtcStack.Server.Engine;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// <see cref="SendRing"/> against real loopback TCP sockets: several sends in one submission each deliver exactly their
/// bytes, a full socket answers <c>-EAGAIN</c> without holding up the others, and a bad descriptor fails alone.
/// </summary>
public sealed class SendRingTests
{
    [Fact]
    public void Sends_to_several_sockets_in_one_submission_deliver_each_its_own_bytes()
    {
        using SendRing? ring = CreateOrExplain();
        if (ring is null)
        {
            return;
        }
        using var pairs = new SocketPairs(5);
        var buffers = new byte[5][];
        var requests = new SendRing.Request[5];
        for (int i = 0; i < 5; i++)
        {
            buffers[i] = GC.AllocateUninitializedArray<byte>(4096, pinned: true);
            Array.Fill(buffers[i], (byte)('a' + i));
            requests[i] = new SendRing.Request(pairs.ServerFd(i), Address(buffers[i]), 100 + i);
        }
        int[] results = new int[SendRing.Capacity];

        Assert.True(ring.SendAll(requests, results));

        Assert.Equal([100, 101, 102, 103, 104], results[..5]);
        for (int i = 0; i < 5; i++)
        {
            byte[] got = pairs.ReadExactly(i, 100 + i);
            Assert.All(got, b => Assert.Equal((byte)('a' + i), b));
            Assert.Equal(0, pairs.Client(i).Available);
        }
    }

    [Fact]
    public void A_full_socket_answers_eagain_and_a_bad_descriptor_fails_while_the_others_are_sent()
    {
        using SendRing? ring = CreateOrExplain();
        if (ring is null)
        {
            return;
        }
        // A Unix stream pair for the full socket: its buffer frees only when the peer reads (a loopback TCP socket takes
        // bytes again once the peer's delayed ACK arrives, even if it never reads).
        using var full = new UnixPair();
        byte[] filler = new byte[65536];
        while (full.Server.Send(filler, SocketFlags.None, out SocketError error) > 0 && error == SocketError.Success)
        {
        }
        using var pairs = new SocketPairs(1);
        byte[] buffer = GC.AllocateUninitializedArray<byte>(4096, pinned: true);
        Array.Fill(buffer, (byte)'z');
        SendRing.Request[] requests =
        [
            new(full.ServerFd, Address(buffer), 1000),
            new(-1, Address(buffer), 10),
            new(pairs.ServerFd(0), Address(buffer), 1000),
        ];
        int[] results = new int[SendRing.Capacity];

        Assert.True(ring.SendAll(requests, results));

        Assert.Equal(-EpollNative.EAgain, results[0]);
        Assert.Equal(-9 /* EBADF */, results[1]);
        Assert.Equal(1000, results[2]);
        Assert.All(pairs.ReadExactly(0, 1000), b => Assert.Equal((byte)'z', b));
        Assert.False(ring.Broken);
    }

    /// <summary>A ring, or null where this machine refuses io_uring on purpose (then the engine's send() path is what runs).</summary>
    private static SendRing? CreateOrExplain()
    {
        SendRing? ring = SendRing.TryCreate(out int errno);
        if (ring is null)
        {
            // Only acceptable where io_uring is switched off for this process (the sysctl, or a seccomp profile: EPERM,
            // ENOSYS) or the kernel is older than 6.1 (EINVAL for the setup flags); the engine then uses send().
            string disabled = File.Exists("/proc/sys/kernel/io_uring_disabled") ? File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim() : "0";
            bool old = Environment.OSVersion.Version < new Version(6, 1);
            Assert.True(disabled != "0" || old || errno is 1 or 38, $"io_uring_setup failed with errno {errno} although the kernel allows io_uring");
        }
        return ring;
    }

    private static nint Address(byte[] pinned) => System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);

    /// <summary>A connected Unix stream pair (the "server" end non-blocking, with a small send buffer).</summary>
    private sealed class UnixPair : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), "rtcstack-ring-" + Guid.NewGuid().ToString("N")[..12]);

        public UnixPair()
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            listener.Listen(1);
            Client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Client.Connect(new UnixDomainSocketEndPoint(_path));
            Server = listener.Accept();
            Server.Blocking = false;
            Server.SendBufferSize = 4096;
        }

        public Socket Server { get; }

        public Socket Client { get; }

        public int ServerFd => (int)Server.SafeHandle.DangerousGetHandle();

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            File.Delete(_path);
        }
    }

    /// <summary>Connected loopback TCP pairs: a "server" end the ring sends on (non-blocking) and a client end the test reads.</summary>
    private sealed class SocketPairs : IDisposable
    {
        private readonly Socket[] _servers;
        private readonly Socket[] _clients;

        public SocketPairs(int count)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(count);
            _servers = new Socket[count];
            _clients = new Socket[count];
            for (int i = 0; i < count; i++)
            {
                _clients[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                _clients[i].Connect(listener.LocalEndPoint!);
                _servers[i] = listener.Accept();
                _servers[i].Blocking = false;
                _servers[i].SendBufferSize = 4096;
            }
        }

        public Socket Server(int i) => _servers[i];

        public Socket Client(int i) => _clients[i];

        public int ServerFd(int i) => (int)_servers[i].SafeHandle.DangerousGetHandle();

        public byte[] ReadExactly(int i, int count)
        {
            byte[] got = new byte[count];
            _clients[i].ReceiveTimeout = 30_000;
            int read = 0;
            while (read < count)
            {
                int n = _clients[i].Receive(got, read, count - read, SocketFlags.None);
                Assert.True(n > 0, "the connection ended early");
                read += n;
            }
            return got;
        }

        public void Dispose()
        {
            foreach (Socket s in _servers.Concat(_clients))
            {
                s.Dispose();
            }
        }
    }
}
