using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TURN client over one TCP or TLS connection with a UDP allocation: Allocate, ChannelBind, ChannelData out, and a
/// frame reader (STUN or padded ChannelData, RFC 8656 §12.5). <see cref="Stall"/> clients have a 4 KiB receive buffer
/// and are meant never to read.
/// </summary>
internal sealed class StreamTurnClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TcpClient _tcp;
    private readonly TestClient _credentials = new();

    private StreamTurnClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        Stream = stream;
    }

    internal Stream Stream { get; }

    /// <summary>TLS: the stream under the SslStream, to send records (and raw bytes) in one write; null for TCP.</summary>
    internal CorkedStream? Cork { get; private init; }

    /// <summary>The TCP stream under <see cref="Stream"/> (TLS: bytes written here bypass the TLS layer).</summary>
    internal NetworkStream Raw => _tcp.GetStream();

    internal static async Task<StreamTurnClient> ConnectAsync(IPEndPoint server, bool tls, bool stall = false)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (stall)
        {
            tcp.ReceiveBufferSize = 4096;
        }
        await tcp.ConnectAsync(server);
        Stream stream = tcp.GetStream();
        CorkedStream? cork = null;
        if (tls)
        {
            cork = new CorkedStream(stream);
            var ssl = new SslStream(cork, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
            stream = ssl;
        }
        return new StreamTurnClient(tcp, stream) { Cork = cork };
    }

    /// <summary>Allocates a UDP relay and binds channel 0x4000 to <paramref name="peer"/>.</summary>
    internal async Task AllocateAndBindAsync(IPEndPoint peer)
    {
        byte[] challenge = await RequestAsync(_credentials.Build(StunMethod.Allocate, TestClient.RequestUdp, sign: false));
        StunMessageReader.TryParse(challenge, out StunMessageReader r);
        Assert.True(r.TryGetNonce(out ReadOnlySpan<byte> nonce));
        _credentials.Nonce = nonce.ToArray();
        Assert.Equal(0, Answer.ErrorCode(await RequestAsync(_credentials.Build(StunMethod.Allocate, TestClient.RequestUdp))));
        Assert.Equal(0, Answer.ErrorCode(await RequestAsync(_credentials.Build(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddChannelNumber(0x4000);
            w.AddXorPeerAddress(TransportAddress.FromEndPoint(peer));
        }))));
    }

    /// <summary>ChannelData on 0x4000 carrying <paramref name="payload"/>, padded to 4 bytes.</summary>
    internal static byte[] ChannelData(ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[(4 + payload.Length + 3) & ~3];
        frame[0] = 0x40;
        frame[2] = (byte)(payload.Length >> 8);
        frame[3] = (byte)payload.Length;
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    internal Task SendAsync(byte[] frame) => Stream.WriteAsync(frame).AsTask();

    /// <summary>The next frame: a whole STUN message, or the payload of a ChannelData frame (padding removed).</summary>
    internal async Task<(bool ChannelData, byte[] Bytes)> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        byte[] header = new byte[4];
        await Stream.ReadExactlyAsync(header, timeout.Token);
        int length = (header[2] << 8) | header[3];
        if ((header[0] & 0xC0) == 0x40)
        {
            byte[] padded = new byte[(length + 3) & ~3];
            await Stream.ReadExactlyAsync(padded, timeout.Token);
            return (true, padded[..length]);
        }
        byte[] message = new byte[20 + length];
        header.CopyTo(message, 0);
        await Stream.ReadExactlyAsync(message.AsMemory(4), timeout.Token);
        return (false, message);
    }

    private async Task<byte[]> RequestAsync(byte[] request)
    {
        await Stream.WriteAsync(request);
        while (true)
        {
            (bool channelData, byte[] bytes) = await ReadFrameAsync();
            if (!channelData && bytes.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)))
            {
                return bytes;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _tcp.Dispose();
    }
}
