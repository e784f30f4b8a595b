using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Dtls;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// A peer whose nominated ICE-TCP connection stops reading (R9 #1): the echo handler's sends must not block the
/// receive loop that runs it, the shared UDP loop keeps serving every transport, and DisposeAsync returns. Real
/// sockets; every wait is a condition poll with a generous limit, nothing is timed.
/// </summary>
public sealed class StalledIceTcpTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Echo_over_a_stalled_ice_tcp_connection_drops_instead_of_blocking_and_dispose_returns()
    {
        // A stall timeout far longer than the test: the connection must stay open however slow the machine is.
        await using var rig = await DualPathRig.StartAsync(tcpSendStallTimeout: TimeSpan.FromMinutes(10));
        var transport = rig.Transport;
        var ice = transport.IceCredentials;

        // Another transport on the same media port, heard over UDP only.
        var other = rig.Media.CreateTransport();
        await using var otherPeer = new LoopbackPeer();
        other.Connect(otherPeer.Fingerprint, DtlsRole.Server, null);
        otherPeer.Attach(rig.Media.LocalEndPoint, other.IceCredentials.Ufrag, other.IceCredentials.Pwd, rig.Media.Fingerprint);
        Assert.Equal(DtlsHandshakeResult.Connected, await otherPeer.HandshakeAsync());
        Assert.Equal(DtlsHandshakeResult.Connected, await other.Connected.WaitAsync(Long));
        var otherHandled = 0;
        other.RtpReceived = (_, _, _) => Interlocked.Increment(ref otherHandled);

        // A second ICE-TCP connection that nominates itself, reads the answer (so the pair is selected), then never reads.
        var (stalled, frame) = await NominatingTcpPeerAsync(rig, ice);
        using var stalledSocket = stalled;

        var handled = 0;
        var sendFailed = 0;
        var echoLength = rig.Peer.ProtectedRtp(0, 0).Length; // the echo is the decrypted packet protected again: same length
        transport.RtpReceived = (t, buffer, length) =>
        {
            Interlocked.Increment(ref handled);
            if (!t.SendRtp(buffer, length)) // an echo, as EchoSession does
            {
                Interlocked.Increment(ref sendFailed);
            }
        };
        // Over UDP until the echo backs up past the kernel's buffers and the connection's queue: sends fail, never block.
        ushort seq = 0;
        var sent = 0;
        var deadline = DateTime.UtcNow + Long;
        while (Volatile.Read(ref sendFailed) == 0 && DateTime.UtcNow < deadline)
        {
            for (var i = 0; i < 256; i++)
            {
                rig.Peer.Send(rig.Peer.ProtectedRtp(seq++, (byte)seq));
                sent++;
            }
            // Paced so the UDP socket's buffer never overflows (a lost datagram is tolerated, a stuck loop fails here).
            await DualPathRig.WaitUntil(() => sent - Volatile.Read(ref handled) <= 512,
                () => $"the receive loop stopped handling: sent {sent}, handled {handled}, failed {sendFailed}; {rig.Describe()}");
        }
        Assert.True(Volatile.Read(ref sendFailed) > 0, $"the echo never backed up: sent {sent}, handled {handled}");

        // The UDP loop is not stuck in that transport's send: its packets and the other transport's are still handled.
        var before = Volatile.Read(ref handled);
        for (var i = 0; i < 200; i++)
        {
            rig.Peer.Send(rig.Peer.ProtectedRtp(seq++, 1));
        }
        await DualPathRig.WaitUntil(() => Volatile.Read(ref handled) >= before + 200,
            () => $"handled {handled - before} of 200 after the stall; {rig.Describe()}");
        for (var i = 0; i < 50; i++)
        {
            otherPeer.Send(otherPeer.ProtectedRtp((ushort)i, 2));
        }
        await DualPathRig.WaitUntil(() => Volatile.Read(ref otherHandled) >= 50, () => $"other transport handled {otherHandled} of 50");

        // The peer reads again: every echo that was accepted arrives, whole and in order (queued frames were kept
        // whole, dropped ones left no trace in the stream), and the connection was not closed.
        var accepted = Volatile.Read(ref handled) - Volatile.Read(ref sendFailed);
        var framesRead = 0;
        var badFrames = 0;
        using var stopReading = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var header = new byte[2];
            var body = new byte[ushort.MaxValue];
            try
            {
                while (true)
                {
                    await ReadExactlyAsync(stalled, header, stopReading.Token);
                    var length = BinaryPrimitives.ReadUInt16BigEndian(header);
                    await ReadExactlyAsync(stalled, body.AsMemory(0, length), stopReading.Token);
                    if (length != echoLength || body[0] != 0x80)
                    {
                        Interlocked.Increment(ref badFrames);
                    }
                    Interlocked.Increment(ref framesRead);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await DualPathRig.WaitUntil(() => Volatile.Read(ref framesRead) >= accepted,
            () => $"read {framesRead} of {accepted} accepted echoes ({badFrames} bad)");
        Assert.Equal(0, Volatile.Read(ref badFrames));
        await stopReading.CancelAsync();
        await reader.WaitAsync(Long);

        // Closing the transport returns (its ICE-TCP connections are closed first) while the peer still does not read.
        var dispose = Task.Run(async () => await transport.DisposeAsync());
        Assert.True(await Task.WhenAny(dispose, Task.Delay(Long)) == dispose, "DisposeAsync did not return while the ICE-TCP peer was not reading");
        await dispose;
        for (var i = 0; i < 50; i++)
        {
            otherPeer.Send(otherPeer.ProtectedRtp((ushort)(50 + i), 3));
        }
        await DualPathRig.WaitUntil(() => Volatile.Read(ref otherHandled) >= 100, () => $"other transport handled {otherHandled} of 100 after the close");
        await other.DisposeAsync();
    }

    [Fact]
    public async Task Connect_after_dispose_began_leaves_no_live_dtls_session()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Media.CreateTransport();
        await transport.DisposeAsync();
        var peer = new LoopbackPeer();
        await using (peer)
        {
            transport.Connect(peer.Fingerprint, DtlsRole.Server, null); // a late Connect (signaling racing the close)
        }
        Assert.Equal(DtlsState.Closed, transport.DtlsState); // created, then disposed at once: dispose won
        Assert.Equal(DtlsHandshakeResult.Cancelled, await transport.Connected.WaitAsync(Long));
    }

    [Fact]
    public async Task A_stalled_ice_tcp_connection_is_closed_once_its_full_queue_makes_no_progress()
    {
        await using var rig = await DualPathRig.StartAsync(tcpSendStallTimeout: TimeSpan.FromMilliseconds(200));
        var transport = rig.Transport;
        var ice = transport.IceCredentials;
        var (stalled, frame) = await NominatingTcpPeerAsync(rig, ice);
        using var stalledSocket = stalled;
        var handled = 0;
        var sendFailed = 0;
        transport.RtpReceived = (t, buffer, length) =>
        {
            Interlocked.Increment(ref handled);
            if (!t.SendRtp(buffer, length))
            {
                Interlocked.Increment(ref sendFailed);
            }
        };

        // Echo over UDP until the queue is full and made no progress for the stall timeout: the server closes the
        // connection, and the peer's next writes on it are reset.
        ushort seq = 0;
        var sent = 0;
        var reset = false;
        var deadline = DateTime.UtcNow + Long;
        while (!reset && DateTime.UtcNow < deadline)
        {
            for (var i = 0; i < 256; i++)
            {
                rig.Peer.Send(rig.Peer.ProtectedRtp(seq++, 1));
                sent++;
            }
            await DualPathRig.WaitUntil(() => sent - Volatile.Read(ref handled) <= 512,
                () => $"the receive loop stopped handling: sent {sent}, handled {handled}; {rig.Describe()}");
            try
            {
                stalled.Send(frame);
            }
            catch (SocketException)
            {
                reset = true;
            }
            await Task.Delay(10);
        }
        Assert.True(reset, $"the stalled connection was not closed: sent {sent}, handled {handled}, send failures {sendFailed}");
        Assert.True(sendFailed > 0);

        // Only that connection went: the transport still hears the peer over UDP.
        var before = Volatile.Read(ref handled);
        for (var i = 0; i < 20; i++)
        {
            rig.Peer.Send(rig.Peer.ProtectedRtp(seq++, 2));
        }
        await DualPathRig.WaitUntil(() => Volatile.Read(ref handled) >= before + 20, rig.Describe);
        Assert.NotEqual(RtcStack.Ice.IceState.Closed, transport.IceState);
    }

    /// <summary>An ICE-TCP connection (4 KiB receive buffer) whose check nominates it and whose answer it read; and that framed check.</summary>
    private static async Task<(Socket Socket, byte[] Check)> NominatingTcpPeerAsync(DualPathRig rig, RtcStack.Ice.IceCredentials ice)
    {
        var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(new IPEndPoint(IPAddress.Loopback, rig.Media.TcpCandidate!.Value.Port));
        var check = rig.Peer.Check(ice.Ufrag, ice.Pwd, useCandidate: true);
        var frame = new byte[2 + check.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)check.Length);
        check.CopyTo(frame, 2);
        stalled.Send(frame);
        await ReadOneFrameAsync(stalled);
        return (stalled, frame);
    }

    private static async Task ReadOneFrameAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Long);
        var header = new byte[2];
        await ReadExactlyAsync(socket, header, timeout.Token);
        await ReadExactlyAsync(socket, new byte[BinaryPrimitives.ReadUInt16BigEndian(header)], timeout.Token);
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        for (var filled = 0; filled < buffer.Length;)
        {
            var n = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, cancellationToken);
            Assert.True(n > 0, "the server closed the ICE-TCP connection");
            filled += n;
        }
    }
}
