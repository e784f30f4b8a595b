using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RtcStack.Net;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Net;

public sealed class StreamConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Frames_split_at_every_boundary_are_reassembled_and_echoed()
    {
        var handler = new EchoStreamHandler();
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler);
        listener.Start();
        byte[] stream = [.. StunMessage(), .. ChannelData(5), .. StunMessage(), .. ChannelData(0), .. ChannelData(1000)];

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(listener.LocalAddress.ToEndPoint());
        var random = new Random(6062);
        for (int offset = 0; offset < stream.Length;)
        {
            int chunk = Math.Min(random.Next(1, 23), stream.Length - offset);
            await client.SendAsync(stream.AsMemory(offset, chunk));
            offset += chunk;
        }

        byte[] echoed = await ReadExactlyAsync(client, stream.Length);
        Assert.Equal(stream, echoed);
        Assert.Equal(5, handler.Frames.Count);
        Assert.Equal(12, handler.Frames.ElementAt(1).Length); // 4 + 5, padded to 12 (RFC 8656 §12.5)
        Assert.Equal(5, listener.Counters.PacketsReceived);
        Assert.Equal(0, listener.Counters.Malformed);
    }

    [Fact]
    public async Task Past_max_connections_a_connection_waits_in_the_backlog_and_is_served_when_one_closes()
    {
        var handler = new EchoStreamHandler();
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler, new StreamListenerOptions { MaxConnections = 1 });
        listener.Start();
        var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await first.ConnectAsync(listener.LocalAddress.ToEndPoint());
            byte[] message = StunMessage();
            await first.SendAsync(message);
            Assert.Equal(message, await ReadExactlyAsync(first, message.Length));

            await second.ConnectAsync(listener.LocalAddress.ToEndPoint()); // completes in the kernel's backlog
            await second.SendAsync(message);
            // Not accepted while the slot is taken (before, it was accepted and closed at once).
            Assert.False(second.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead), "the second connection was answered or closed");

            first.Dispose();
            Assert.Equal(message, await ReadExactlyAsync(second, message.Length));
        }
        finally
        {
            first.Dispose();
        }
    }

    [Fact]
    public async Task Unframeable_data_is_counted_and_closes_only_that_connection()
    {
        var handler = new EchoStreamHandler();
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler);
        listener.Start();

        using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await bad.ConnectAsync(listener.LocalAddress.ToEndPoint());
        await bad.SendAsync(new byte[] { 0xC0, 0, 0, 0, 1, 2, 3, 4 });
        Assert.Equal("unframeable data", await handler.Closed.Task.WaitAsync(Timeout));
        Assert.Equal(0, await bad.ReceiveAsync(new byte[16]).WaitAsync(Timeout)); // closed by the server
        Assert.Equal(1, listener.Counters.Malformed);

        var good = new EchoStreamHandler { Echo = false };
        await using StreamConnection connection = await StreamConnection.ConnectAsync(listener.LocalAddress.ToEndPoint(), good);
        Assert.True(connection.TrySend(StunMessage()));
        await WaitUntilAsync(() => handler.Frames.Count == 1);
    }

    [Fact]
    public async Task Tls_connection_frames_both_ways()
    {
        using X509Certificate2 certificate = CreateCertificate();
        var options = new StreamListenerOptions
        {
            TlsOptionsProvider = () => new SslServerAuthenticationOptions { ServerCertificate = certificate },
        };
        var serverHandler = new EchoStreamHandler();
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), serverHandler, options);
        listener.Start();

        var clientHandler = new EchoStreamHandler { Echo = false };
        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString(),
        };
        await using StreamConnection connection = await StreamConnection.ConnectAsync(listener.LocalAddress.ToEndPoint(), clientHandler, tls: tls);
        Assert.Equal(TransportProtocol.Tls, connection.FiveTuple.Protocol);
        byte[] message = StunMessage();
        Assert.True(await connection.SendAsync(message));
        Assert.True(await connection.SendAsync(ChannelData(33)));
        await WaitUntilAsync(() => clientHandler.Frames.Count == 2);
        Assert.Equal(message, clientHandler.Frames.First());
        Assert.Equal(2, listener.Counters.PacketsReceived);
    }

    [Fact]
    public async Task Failed_tls_handshake_does_not_stop_the_listener()
    {
        using X509Certificate2 certificate = CreateCertificate();
        var options = new StreamListenerOptions
        {
            TlsOptionsProvider = () => new SslServerAuthenticationOptions { ServerCertificate = certificate },
            HandshakeTimeout = TimeSpan.FromSeconds(5),
        };
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new EchoStreamHandler(), options);
        listener.Start();

        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await plain.ConnectAsync(listener.LocalAddress.ToEndPoint());
            await plain.SendAsync(StunMessage()); // not a TLS ClientHello
            await plain.ReceiveAsync(new byte[64]).WaitAsync(Timeout);
        }

        var tls = new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true };
        var clientHandler = new EchoStreamHandler { Echo = false };
        await using StreamConnection connection = await StreamConnection.ConnectAsync(listener.LocalAddress.ToEndPoint(), clientHandler, tls: tls);
        Assert.True(connection.TrySend(StunMessage()));
        await WaitUntilAsync(() => clientHandler.Frames.Count == 1);
    }

    [Fact]
    public async Task Handler_can_switch_to_raw_mid_stream_for_rfc_6062()
    {
        var handler = new EchoStreamHandler { Echo = false, SwitchToRawAfterFirstFrame = true };
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalAddress.ToEndPoint());
        byte[] bind = StunMessage();
        byte[] application = [0xC0, 0xFF, 0xEE, 1, 2, 3]; // not STUN: fine in raw mode
        await client.SendAsync((byte[])[.. bind, .. application]); // one write: the switch happens inside one read

        await WaitUntilAsync(() => handler.Raw.Sum(r => r.Length) == application.Length);
        Assert.Equal(bind, Assert.Single(handler.Frames));
        Assert.Equal(application, handler.Raw.SelectMany(r => r).ToArray());
        Assert.Equal(0, listener.Counters.Malformed);
    }

    [Fact]
    public async Task Raw_listener_and_connect_from_a_chosen_local_address_for_rfc_6062()
    {
        var peer = new EchoStreamHandler { Echo = false };
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), peer, new StreamListenerOptions { InitialMode = StreamFramingMode.Raw });
        listener.Start();
        int localPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            localPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var relay = new EchoStreamHandler { Echo = false };
        await using StreamConnection connection = await StreamConnection.ConnectAsync(
            listener.LocalAddress.ToEndPoint(), relay, StreamFramingMode.Raw, localEndPoint: new IPEndPoint(IPAddress.Loopback, localPort));
        Assert.Equal(localPort, connection.LocalAddress.Port);
        byte[] application = [0xFF, 0x00, 0x13, 0x37, 0x80]; // arbitrary bytes, not STUN
        Assert.True(await connection.SendAsync(application));

        await WaitUntilAsync(() => peer.Raw.Sum(r => r.Length) == application.Length);
        Assert.Equal(application, peer.Raw.SelectMany(r => r).ToArray());
        StreamConnection accepted = await peer.Connected.Task.WaitAsync(Timeout);
        Assert.Equal(localPort, accepted.RemoteAddress.Port);
        Assert.Equal(0, listener.Counters.Malformed);
    }

    [Fact]
    public async Task Try_send_drops_when_the_peer_does_not_read()
    {
        var handler = new EchoStreamHandler { Echo = false };
        var options = new StreamListenerOptions { MaxQueuedSendBytes = 64 * 1024 };
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler, options);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(listener.LocalAddress.ToEndPoint());
        StreamConnection server = await handler.Connected.Task.WaitAsync(Timeout);

        byte[] frame = ChannelData(60_000);
        bool dropped = false;
        for (int i = 0; i < 2_000 && !dropped; i++)
        {
            dropped = !server.TrySend(frame);
            if (!dropped && i % 16 == 0)
            {
                await Task.Delay(1); // let the send loop fill the kernel buffers
            }
        }

        Assert.True(dropped);
        Assert.True(listener.Counters.Dropped >= 1);
    }

    [Fact]
    public async Task Send_async_waits_for_space_and_loses_nothing()
    {
        var handler = new EchoStreamHandler { Echo = false };
        var options = new StreamListenerOptions { MaxQueuedSendBytes = 16 * 1024 };
        await using StreamListener listener = StreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), handler, options);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(listener.LocalAddress.ToEndPoint());
        StreamConnection server = await handler.Connected.Task.WaitAsync(Timeout);

        byte[] frame = ChannelData(8_000); // 8,004 bytes
        const int Frames = 400;            // about 3 MB: more than kernel buffers and the queue hold
        Task<bool> sender = Task.Run(async () =>
        {
            for (int i = 0; i < Frames; i++)
            {
                if (!await server.SendAsync(frame))
                {
                    return false;
                }
            }

            return true;
        });

        byte[] received = await ReadExactlyAsync(client, Frames * frame.Length);
        Assert.True(await sender.WaitAsync(Timeout));
        for (int i = 0; i < Frames; i++)
        {
            Assert.True(received.AsSpan(i * frame.Length, frame.Length).SequenceEqual(frame), $"frame {i}");
        }

        Assert.Equal(0, listener.Counters.Dropped);
    }

    internal static byte[] StunMessage()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Refresh, StunClass.Request), TransactionId.NewRandom());
        writer.AddLifetime(600);
        writer.AddSoftware("net test");
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }

    internal static byte[] ChannelData(int size)
    {
        var buffer = new byte[ChannelDataWriter.GetLength(size, padded: true)];
        Random.Shared.NextBytes(buffer);
        Assert.True(ChannelDataWriter.TryWrite(buffer, 0x4001, buffer.AsSpan(4, size).ToArray(), padded: true, out _));
        return buffer;
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        using var timeout = new CancellationTokenSource(Timeout);
        for (int read = 0; read < length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }
}
