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
/// RFC 8489 §6.2.2), hands each to the processor, and writes responses and relayed data through a
/// <see cref="StreamSender"/>, which never blocks the caller (a slow client cannot stall the relay threads) and
/// bounds what is queued. Reads: on Linux x64 on a <see cref="StreamPoller"/> thread (<see cref="StreamPollReader"/>:
/// per-thread buffers, a partial frame kept only while partial); elsewhere <see cref="StreamAsyncReader"/>'s
/// asynchronous loop, where an idle connection holds no buffer. A frame that
/// cannot be delimited closes the connection; closing it deletes its allocation (§3.1).
/// </summary>
internal sealed class StreamConnection : IClientEndpoint
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly CertificateSource? _certificates;
    private readonly TurnMessageProcessor _processor;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly StreamSender _sender;
    private readonly int _queueLimit;
    private readonly FiveTuple _fiveTuple;
    private Stream? _stream;
    private volatile bool _closed;
    private TcpPeerConnection? _dataPeer;
    private StreamPollReader? _reader;

    internal StreamConnection(Socket socket, CertificateSource? certificates, TurnMessageProcessor processor, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _certificates = certificates;
        _processor = processor;
        _logger = logger;
        _queueLimit = processor.State.Options.StreamSendQueueBytes;
        _sender = new StreamSender(socket, _queueLimit, processor.State.Metrics, Close);
        _fiveTuple = new FiveTuple(
            TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize(),
            TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!),
            certificates is null ? TransportProtocol.Tcp : TransportProtocol.Tls);
    }

    public bool IsStream => true;

    public IClientSink Persist() => this;

    /// <summary>The reader on a <see cref="StreamPoller"/> thread (Linux x64), or null while the connection is read asynchronously.</summary>
    internal StreamPollReader? PollReader => _reader;

    /// <summary>Whether a ConnectionBind made this a client data connection (RFC 6062 §5.4).</summary>
    internal bool IsDataConnection => _dataPeer is not null;

    /// <summary>The peer connection a ConnectionBind joined this one to, or null.</summary>
    internal TcpPeerConnection? DataPeer => _dataPeer;

    /// <summary>Whether <see cref="Close"/> ran.</summary>
    internal bool IsClosed => _closed;

    /// <summary>The write side (the asynchronous reader waits on its queue).</summary>
    internal StreamSender Sender => _sender;

    /// <summary>Bytes queued for the client above which its receive side stops being read.</summary>
    internal int QueueLimit => _queueLimit;

    /// <summary>Bytes the socket holds unread.</summary>
    internal int Available => _socket.Available;

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

    public void Send(ReadOnlySpan<byte> message) => _sender.Send(message);

    /// <summary>Whether the client lags so far behind that its receive side should stop being read.</summary>
    internal bool SendBacklogged => _sender.Queued > _queueLimit;

    internal Task RunAsync(CancellationToken token)
    {
        TurnOptions options = _processor.State.Options;
        StreamPoller? poller = options.UseStreamPoller ? options.StreamPoller ?? StreamPoller.Shared : null;
        return poller is not null ? RunPolledAsync(poller, token) : StreamAsyncReader.RunAsync(this, token);
    }

    /// <summary>Linux x64: reads on a <see cref="StreamPoller"/> thread (see <see cref="StreamPollReader"/>); this task only waits.</summary>
    private async Task RunPolledAsync(StreamPoller poller, CancellationToken token)
    {
        string reason = "closed by client";
        bool relaying = false;
        var reader = new StreamPollReader(this, _socket, poller, _logger);
        try
        {
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }
                _reader = reader;
            }
            Stream stream = await OpenAsync(token, reader).ConfigureAwait(false);
            while (true)
            {
                StreamPollOutcome outcome = await reader.FrameAsync().ConfigureAwait(false);
                if (outcome == StreamPollOutcome.Backpressure)
                {
                    await _sender.WhenQueuedAtMostAsync(_queueLimit).ConfigureAwait(false); // it does not read its answers: stop reading
                    continue;
                }
                if (outcome == StreamPollOutcome.DataConnection && _dataPeer is { } peer && !reader.TlsFailed)
                {
                    relaying = true;
                    await _sender.WhenQueuedAtMostAsync(0).ConfigureAwait(false); // the ConnectionBind answer goes first
                    await peer.RelayAsync(this, stream, reader.Early).ConfigureAwait(false);
                    reason = "data connection closed";
                    break;
                }
                reason = reader.Reason;
                if (_dataPeer is { } bound && !reader.Early.IsEmpty)
                {
                    // The wake-up that bound it also ended it (a bad TLS record behind the data; with OpenSSL the answer
                    // cannot be encrypted any more): what the client sent before that still reaches the peer, then the pair closes.
                    relaying = true;
                    await bound.RelayLastAsync(this, reader.Early).ConfigureAwait(false);
                }
                break;
            }
        }
        catch (Exception ex) when (EndsConnection(ex))
        {
            reason = ex.GetType().Name;
        }
        finally
        {
            Close();
            Closed(relaying, reason);
        }
    }

    /// <summary>What a read, the handshake or the relay throws when the connection ends (or is closed meanwhile).</summary>
    internal static bool EndsConnection(Exception ex) =>
        ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException or InvalidOperationException;

    /// <summary>After the reading ended and <see cref="Close"/>: the allocation goes (§3.1), the data peer too if it never relayed.</summary>
    internal void Closed(bool relaying, string reason)
    {
        if (_dataPeer is { } peer && !relaying)
        {
            peer.Close("client data connection closed before relaying");
        }
        _processor.ConnectionClosed(_fiveTuple);
        TurnLog.ConnectionClosed(_logger, _fiveTuple.Client.ToString(), reason);
    }

    /// <summary>The stream to read, after the TLS handshake when this is a TLS listener; the sender starts writing.</summary>
    internal async Task<Stream> OpenAsync(CancellationToken token, StreamPollReader? reader = null)
    {
        Stream stream = new NetworkStream(_socket, ownsSocket: true);
        if (reader is not null)
        {
            _socket.Blocking = false; // the reader's non-blocking reads; the stream's asynchronous writes are unaffected
        }
        TlsRecordCapture? capture = null;
        if (_certificates is not null)
        {
            capture = new TlsRecordCapture(stream, reader);
            var tls = new SslStream(capture, leaveInnerStreamOpen: false);
            stream = tls;
            lock (_lock)
            {
                _stream = stream;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(HandshakeTimeout);
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _certificates.CurrentContext,
                }, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException
                or System.Security.Authentication.AuthenticationException)
            {
                TurnLog.HandshakeFailed(_logger, ex, _fiveTuple.Client.ToString(), ex.GetType().Name);
                throw;
            }
        }
        lock (_lock)
        {
            _stream = stream;
        }
        _sender.Attach(stream as SslStream, capture);
        if (reader is not null && stream is SslStream secured)
        {
            reader.UseTls(secured, capture!);
        }
        return stream;
    }

    /// <summary>
    /// Processes the complete frames of one read (the buffer pinned: on Linux the ChannelData are queued by reference and
    /// leave in one sendmmsg per relay at the flush). The flush runs even when a frame throws: the frames before it leave
    /// once, and the batch never keeps references into a buffer the thread is about to reuse for another connection.
    /// </summary>
    internal unsafe int ProcessRead(byte[] buffer, int filled, IngressState ingress)
    {
        fixed (byte* pinned = buffer)
        {
            try
            {
                return ProcessFrames(buffer, filled, ingress);
            }
            finally
            {
                ingress.PeerSends?.Flush(); // before the buffer is compacted or refilled; never throws
            }
        }
    }

    /// <summary>Processes every complete frame; returns the bytes consumed, or -1 when the stream is unframeable.</summary>
    private int ProcessFrames(byte[] buffer, int filled, IngressState ingress)
    {
        int offset = 0;
        while (offset < filled && !_closed) // closed from another thread: no frame after the close (it would outlive ConnectionClosed)
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
            _processor.Process(buffer.AsSpan(offset, length), _fiveTuple, this, ingress);
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
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
        }
        _sender.Close();
        _reader?.Detach(); // before the socket closes: its descriptor leaves the poller's epoll first
        lock (_lock)
        {
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
