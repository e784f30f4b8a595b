using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One TCP or TLS client connection: frames STUN and ChannelData messages off the stream (RFC 8656 §12.5,
/// RFC 8489 §6.2.2), hands each to the processor, and serialises writes (responses and relayed data) under a
/// lock. A frame that cannot be delimited closes the connection; closing it deletes its allocation (§3.1).
/// </summary>
internal sealed class StreamConnection : IClientEndpoint
{
    private const int BufferSize = StunFraming.MaxFrameLength + 4;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly CertificateSource? _certificates;
    private readonly TurnMessageProcessor _processor;
    private readonly ILogger _logger;
    private readonly Lock _writeLock = new();
    private readonly IngressState _ingress = new() { PeerSends = LinuxNative.IsSupported ? new SendBatch(32) : null };
    private readonly FiveTuple _fiveTuple;
    private Stream? _stream;
    private volatile bool _closed;
    private TcpPeerConnection? _dataPeer;

    internal StreamConnection(Socket socket, CertificateSource? certificates, TurnMessageProcessor processor, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _socket.SendTimeout = 5000;
        _certificates = certificates;
        _processor = processor;
        _logger = logger;
        _fiveTuple = new FiveTuple(
            TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize(),
            TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!),
            certificates is null ? TransportProtocol.Tcp : TransportProtocol.Tls);
    }

    public bool IsStream => true;

    public IClientSink Persist() => this;

    /// <summary>Whether a ConnectionBind made this a client data connection (RFC 6062 §5.4).</summary>
    internal bool IsDataConnection => _dataPeer is not null;

    /// <summary>
    /// After the current frame (a successful ConnectionBind, already answered) this connection stops framing STUN
    /// and relays raw bytes to and from <paramref name="peer"/>.
    /// </summary>
    internal void BecomeDataConnection(TcpPeerConnection peer) => _dataPeer = peer;

    /// <summary>Passes the peer's end of stream on (TCP: FIN; TLS: close_notify). Only the data relay calls it.</summary>
    internal async Task ShutdownSendAsync()
    {
        if (_stream is SslStream tls)
        {
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
        else
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        lock (_writeLock)
        {
            if (_closed || _stream is null)
            {
                return;
            }
            try
            {
                _stream.Write(message);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                Close();
            }
        }
    }

    internal async Task RunAsync(CancellationToken token)
    {
        // Pinned: on Linux the ChannelData of one read are queued by reference and leave in one sendmmsg per relay.
        byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        string reason = "closed by client";
        bool relaying = false;
        try
        {
            Stream stream = new NetworkStream(_socket, ownsSocket: true);
            if (_certificates is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(HandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _certificates.CurrentContext,
                }, timeout.Token).ConfigureAwait(false);
            }
            lock (_writeLock)
            {
                _stream = stream;
            }
            int filled = 0;
            while (!_closed)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
                int consumed = ProcessFrames(buffer, filled);
                _ingress.PeerSends?.Flush(); // before the buffer is compacted or refilled
                if (consumed < 0)
                {
                    reason = "unframeable data";
                    break;
                }
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (_dataPeer is { } peer)
                {
                    relaying = true;
                    await peer.RelayAsync(this, stream, buffer.AsMemory(0, filled)).ConfigureAwait(false);
                    reason = "data connection closed";
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            reason = ex.GetType().Name;
        }
        finally
        {
            Close();
            if (_dataPeer is { } peer && !relaying)
            {
                peer.Close("client data connection closed before relaying");
            }
            _processor.ConnectionClosed(_fiveTuple);
            _ingress.PeerSends?.Dispose();
            TurnLog.ConnectionClosed(_logger, _fiveTuple.Client.ToString(), reason);
        }
    }

    /// <summary>Processes every complete frame; returns the bytes consumed, or -1 when the stream is unframeable.</summary>
    private int ProcessFrames(byte[] buffer, int filled)
    {
        int offset = 0;
        while (offset < filled)
        {
            StunFrameKind kind = FrameLength(buffer.AsSpan(offset, filled - offset), out int length);
            if (kind == StunFrameKind.Invalid)
            {
                _processor.Malformed();
                return -1;
            }
            if (kind == StunFrameKind.NeedMoreData || offset + length > filled)
            {
                break;
            }
            _processor.Process(buffer.AsSpan(offset, length), _fiveTuple, this, _ingress);
            offset += length;
            if (_dataPeer is not null)
            {
                break; // the rest is raw data for the peer (RFC 6062 §5.4)
            }
        }
        return offset;
    }

    /// <summary>
    /// STUN frames as <see cref="StunFraming"/> cuts them; ChannelData here, padded to 4 bytes (RFC 8656 §12.5),
    /// for every number of the RFC 5766 range 0x4000-0x7FFF that coturn's clients still use.
    /// </summary>
    private static StunFrameKind FrameLength(ReadOnlySpan<byte> buffer, out int length)
    {
        if (buffer.IsEmpty || (buffer[0] & 0xC0) != 0x40)
        {
            return StunFraming.TryGetFrameLength(buffer, out length);
        }
        length = 0;
        if (buffer.Length < StunConstants.ChannelDataHeaderLength)
        {
            return StunFrameKind.NeedMoreData;
        }
        length = (StunConstants.ChannelDataHeaderLength + System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) + 3) & ~3;
        return StunFrameKind.ChannelData;
    }

    internal void Close()
    {
        lock (_writeLock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            if (_stream is not null)
            {
                _stream.Dispose();
            }
            else
            {
                _socket.Dispose();
            }
        }
    }
}
