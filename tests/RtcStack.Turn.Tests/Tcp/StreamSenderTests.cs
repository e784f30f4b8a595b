using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Tests.Interop;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// <see cref="StreamSender"/> on real connected sockets (plain and TLS): a reader that does not read never blocks the
/// sender, the queue stays within its limit (relayed frames dropped whole and counted, responses kept), what arrives
/// is whole frames in order, and sending to a stream client allocates nothing on the calling (relay) thread.
/// </summary>
public sealed class StreamSenderTests
{
    private const int Limit = 16 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Queue_for_a_reader_that_does_not_read_stays_bounded_and_frames_stay_whole(bool tls)
    {
        await using Pair pair = await Pair.ConnectAsync(tls);
        using var metrics = new TurnMetrics(null, () => (0, 0, 0));
        bool failed = false;
        var sender = new StreamSender(pair.Server, Limit, metrics, () => failed = true);
        sender.Attach(pair.ServerTls, pair.ServerCapture);

        const int Frames = 2000;
        int maxQueued = 0;
        for (int i = 0; i < Frames; i++)
        {
            sender.Send(Frame(i));
            maxQueued = Math.Max(maxQueued, sender.Queued);
        }
        Assert.True(maxQueued <= Limit + 1004, $"queued {maxQueued}"); // the limit, plus the rest of a frame the socket took in part
        long dropped = metrics.ClientBacklogDropped;
        Assert.True(dropped > 0, "nothing was dropped: the reader did not stall the socket");

        byte[] response = [0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, .. new byte[12]]; // a Binding success response
        sender.Send(response); // not relayed data: queued above the limit rather than dropped
        Assert.Equal(dropped, metrics.ClientBacklogDropped);

        int received = 0, last = -1;
        while (true)
        {
            byte[] header = new byte[4];
            await pair.Client.ReadExactlyAsync(header).AsTask().WaitAsync(Patience);
            if (header[0] == 0x01)
            {
                byte[] rest = new byte[16];
                await pair.Client.ReadExactlyAsync(rest).AsTask().WaitAsync(Patience);
                Assert.Equal(response[4..], rest);
                break;
            }
            Assert.Equal(0x40, header[0]);
            Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)));
            byte[] payload = new byte[1000];
            await pair.Client.ReadExactlyAsync(payload).AsTask().WaitAsync(Patience);
            int sequence = BinaryPrimitives.ReadInt32BigEndian(payload);
            Assert.True(sequence > last, "out of order");
            Assert.All(payload[4..], b => Assert.Equal((byte)sequence, b));
            last = sequence;
            received++;
        }
        Assert.Equal(Frames, received + dropped);
        Assert.False(failed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sending_to_a_stream_client_allocates_nothing_on_the_relay_thread(bool tls)
    {
        await using Pair pair = await Pair.ConnectAsync(tls);
        using var metrics = new TurnMetrics(null, () => (0, 0, 0));
        var sender = new StreamSender(pair.Server, 1024 * 1024, metrics, () => { });
        sender.Attach(pair.ServerTls, pair.ServerCapture);
        using var stop = new CancellationTokenSource();
        Task draining = Task.Run(async () =>
        {
            byte[] sink = new byte[64 * 1024];
            while (!stop.IsCancellationRequested && await pair.Client.ReadAsync(sink) > 0)
            {
            }
        });
        byte[] frame = Frame(7, payload: 100);
        long best = long.MaxValue;
        for (int round = 0; round < 4; round++)
        {
            best = Math.Min(best, MeasureSends(sender, frame));
        }
        await stop.CancelAsync();
        sender.Close();
        Assert.Equal(0, best);
        Assert.Equal(0, metrics.ClientBacklogDropped);
        await pair.DisposeAsync();
        await draining.WaitAsync(Patience).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Over_tls_each_frame_gets_its_own_write_even_when_frames_queue_up()
    {
        // coturn's turnutils_uclient takes each TLS read (one record) as one message: a second frame in the same
        // record is silently lost. So frames queued behind a slow write still leave one per write (one record each).
        await using Pair pair = await Pair.ConnectAsync(tls: false);
        using var metrics = new TurnMetrics(null, () => (0, 0, 0));
        var writes = new RecordingStream();
        var sender = new StreamSender(pair.Server, Limit, metrics, () => { });
        sender.Attach(writes);
        byte[] channelData = Frame(1, payload: 99); // padded on the wire: 4 + 100
        byte[] stun = [0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, .. new byte[12], 0x80, 0x22, 0x00, 0x00];
        byte[] coalesced = [.. Frame(2, payload: 100), .. stun, .. Frame(3, payload: 8)]; // as the relay coalesces a batch
        for (int i = 0; i < 20; i++)
        {
            sender.Send(Pad(channelData));
            sender.Send(coalesced);
        }
        await sender.WhenQueuedAtMostAsync(0).WaitAsync(Patience);
        int[] expected = [.. Enumerable.Repeat<int[]>([104, 104, 24, 12], 20).SelectMany(x => x)];
        Assert.Equal(expected, writes.Lengths);
    }

    [Fact]
    public async Task Over_tls_encrypted_on_the_caller_each_frame_is_its_own_record()
    {
        // The inline path: frames are encrypted on the calling thread (captured under the SslStream) and sent
        // non-blocking; a coalesced batch must still leave as one TLS record per frame, in order.
        await using Pair pair = await Pair.ConnectAsync(tls: true);
        using var metrics = new TurnMetrics(null, () => (0, 0, 0));
        var sender = new StreamSender(pair.Server, 1024 * 1024, metrics, () => { });
        sender.Attach(pair.ServerTls, pair.ServerCapture);
        byte[] stun = [0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, .. new byte[12], 0x80, 0x22, 0x00, 0x00];
        byte[] coalesced = [.. Frame(2, payload: 100), .. stun, .. Frame(3, payload: 8)];
        for (int i = 0; i < 20; i++)
        {
            sender.Send(Pad(Frame(1, payload: 99)));
            sender.Send(coalesced);
        }
        await sender.WhenQueuedAtMostAsync(0).WaitAsync(Patience);
        int[] expected = [.. Enumerable.Repeat<int[]>([104, 104, 24, 12], 20).SelectMany(x => x)];
        var records = new List<int>(); // lengths of the records on the wire (any session tickets come first)
        using var raw = new NetworkStream(pair.RawClient, ownsSocket: false);
        byte[] header = new byte[5];
        while (!Matches(records, expected))
        {
            await raw.ReadExactlyAsync(header).AsTask().WaitAsync(Patience);
            int length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3));
            await raw.ReadExactlyAsync(new byte[length]).AsTask().WaitAsync(Patience);
            records.Add(length);
        }
    }

    /// <summary>Whether the last records are the expected frames plus one constant per-record overhead.</summary>
    private static bool Matches(List<int> records, int[] frames)
    {
        if (records.Count < frames.Length)
        {
            return false;
        }
        int first = records.Count - frames.Length;
        int overhead = records[first] - frames[0];
        return overhead is > 0 and <= 64 && frames.Select((f, i) => records[first + i] - f).All(d => d == overhead);
    }

    [FsCheck.Xunit.Property]
    public bool Frame_inspection_never_throws(byte[] bytes)
    {
        int length = StreamFrames.Length(bytes);
        _ = StreamFrames.IsRelayedData(bytes);
        return length == -1 || length >= 4;
    }

    private static byte[] Pad(byte[] frame) => [.. frame, .. new byte[((frame.Length + 3) & ~3) - frame.Length]];

    /// <summary>Bytes this thread allocated in 2000 sends, pausing (without allocating) every 100 for the writer to catch up.</summary>
    private static long MeasureSends(StreamSender sender, byte[] frame)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            sender.Send(frame);
            if (i % 100 == 0)
            {
                for (int spin = 0; spin < 30_000 && sender.Queued > Limit; spin++)
                {
                    Thread.Sleep(1);
                }
            }
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static byte[] Frame(int sequence, int payload = 1000)
    {
        byte[] frame = new byte[4 + payload];
        frame[0] = 0x40;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload);
        frame.AsSpan(8).Fill((byte)sequence);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), sequence);
        return frame;
    }

    /// <summary>A stream standing in for SslStream that records the length of every write and completes each one later.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly List<int> _lengths = [];

        internal int[] Lengths
        {
            get
            {
                lock (_lengths)
                {
                    return [.. _lengths];
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_lengths)
            {
                _lengths.Add(buffer.Length);
            }
            await Task.Delay(1, cancellationToken); // frames queue up behind this write
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A connected pair on 127.0.0.1; the client's receive buffer is 4 KiB so that a client that does not read stalls soon.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private X509Certificate2? _certificate;
        private Socket? _clientSocket;

        internal Socket Server { get; private set; } = null!;

        internal SslStream? ServerTls { get; private set; }

        internal TlsRecordCapture? ServerCapture { get; private set; }

        internal Socket RawClient => _clientSocket!;

        internal Stream Client { get; private set; } = null!;

        internal static async Task<Pair> ConnectAsync(bool tls)
        {
            var pair = new Pair();
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            pair._clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            Task<Socket> accept = listener.AcceptAsync();
            await pair._clientSocket.ConnectAsync(listener.LocalEndPoint!);
            pair.Server = await accept.WaitAsync(Patience);
            pair.Server.SendBufferSize = 8192; // the kernel would otherwise take megabytes before the sender's own queue fills
            var serverStream = new NetworkStream(pair.Server, ownsSocket: false);
            pair.Client = new NetworkStream(pair._clientSocket, ownsSocket: false);
            if (tls)
            {
                string dir = Directory.CreateTempSubdirectory("rtcstack-turn-sender").FullName;
                CoturnClientFixture.WriteSelfSignedCertificate(dir);
                using (X509Certificate2 pem = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem")))
                {
                    pair._certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                }
                Directory.Delete(dir, recursive: true);
                pair.ServerCapture = new TlsRecordCapture(serverStream);
                pair.ServerTls = new SslStream(pair.ServerCapture);
                var client = new SslStream(pair.Client, false, (_, _, _, _) => true);
                Task server = pair.ServerTls.AuthenticateAsServerAsync(pair._certificate);
                await client.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
                await server.WaitAsync(Patience);
                pair.Client = client;
            }
            return pair;
        }

        public async ValueTask DisposeAsync()
        {
            if (ServerTls is not null)
            {
                await ServerTls.DisposeAsync();
            }
            await Client.DisposeAsync();
            Server?.Dispose();
            _clientSocket?.Dispose();
            _certificate?.Dispose();
        }
    }
}
