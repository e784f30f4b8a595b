using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// One TCP or TLS connection over <see cref="System.IO.Pipelines"/>: a read loop that cuts STUN and
/// ChannelData frames (or passes raw bytes, RFC 6062) to an <see cref="IStreamHandler"/>, and a send
/// loop fed by a bounded queue. <see cref="TrySend"/> copies into pooled pipe memory and never
/// blocks; <see cref="SendAsync"/> waits for queue space (backpressure). An unframeable stream is
/// counted as malformed and closed, since it cannot be resynchronised.
/// </summary>
public sealed class StreamConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly IStreamHandler _handler;
    private readonly ILogger _logger;
    private readonly StreamSendQueue _sendQueue;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closedFlag;
    private bool _ownsCounters;
    private volatile StreamFramingMode _mode;

    internal StreamConnection(Socket socket, IStreamHandler handler, TransportProtocol protocol, NetCounters counters, int maxQueued, StreamFramingMode mode, ILogger logger)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _handler = handler;
        _sendQueue = new StreamSendQueue(maxQueued);
        _mode = mode;
        _logger = logger;
        Counters = counters;
        RemoteAddress = TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize();
        LocalAddress = TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!).Normalize();
        FiveTuple = new FiveTuple(RemoteAddress, LocalAddress, protocol);
    }

    /// <summary>The remote (client or peer) address.</summary>
    public TransportAddress RemoteAddress { get; }

    /// <summary>The local address.</summary>
    public TransportAddress LocalAddress { get; }

    /// <summary>Remote, local, and TCP or TLS.</summary>
    public FiveTuple FiveTuple { get; }

    /// <summary>Counters shared with the listener (or this connection's own, for outgoing connections).</summary>
    public NetCounters Counters { get; }

    /// <summary>Framing of incoming bytes; a handler may switch to <see cref="StreamFramingMode.Raw"/> mid-stream (RFC 6062 ConnectionBind).</summary>
    public StreamFramingMode Mode
    {
        get => _mode;
        set => _mode = value;
    }

    /// <summary>Free slot for the handler's per-connection state (e.g. the allocation).</summary>
    public object? State { get; set; }

    /// <summary>True once closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closedFlag) != 0;

    /// <summary>Completes when the connection has closed and <see cref="IStreamHandler.OnClosed"/> has run.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Connects to <paramref name="remote"/> (TLS when <paramref name="tls"/> is given) and starts the loops.</summary>
    /// <exception cref="SocketException">The connection failed.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The TLS handshake failed.</exception>
    /// <param name="remote">The address to connect to.</param>
    /// <param name="handler">Receives what the connection reads.</param>
    /// <param name="mode">Framing of incoming bytes.</param>
    /// <param name="tls">Client TLS options, or null for plain TCP.</param>
    /// <param name="localEndPoint">Address to connect from (RFC 6062: the relayed transport address), bound with SO_REUSEADDR; null for any.</param>
    /// <param name="maxQueuedSendBytes">Send queue bound for <see cref="TrySend"/>.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="cancellationToken">Cancels the connect and handshake (use it as the connect timeout).</param>
    public static async Task<StreamConnection> ConnectAsync(IPEndPoint remote, IStreamHandler handler, StreamFramingMode mode = StreamFramingMode.StunFrames,
        SslClientAuthenticationOptions? tls = null, IPEndPoint? localEndPoint = null, int maxQueuedSendBytes = 256 * 1024,
        ILogger<StreamConnection>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        NetCounters counters = NetMetrics.Register(tls is null ? "tcp" : "tls");
        try
        {
            if (localEndPoint is not null)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(localEndPoint);
            }

            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            var connection = new StreamConnection(socket, handler, tls is null ? TransportProtocol.Tcp : TransportProtocol.Tls, counters, maxQueuedSendBytes, mode, logger ?? (ILogger)NullLogger.Instance);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(tls, cancellationToken).ConfigureAwait(false);
                stream = ssl;
            }

            connection._ownsCounters = true;
            _ = connection.RunAsync(stream);
            return connection;
        }
        catch
        {
            socket.Dispose();
            NetMetrics.Retire(counters);
            throw;
        }
    }

    /// <summary>
    /// Queues <paramref name="data"/> (one whole STUN message or padded ChannelData) for sending;
    /// copies into pooled memory, never blocks, allocates nothing once warm.
    /// </summary>
    /// <returns>False (and counted as dropped) when the queue is full or the connection is closed.</returns>
    public bool TrySend(ReadOnlySpan<byte> data)
    {
        if (TryEnqueue(data))
        {
            return true;
        }

        Counters.Count(PacketDisposition.Dropped);
        return false;
    }

    /// <summary>Queues <paramref name="data"/>, waiting while the queue is full.</summary>
    /// <returns>False when the connection closed first.</returns>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!TryEnqueue(data.Span))
        {
            if (IsClosed)
            {
                return false;
            }

            Task? wait = _sendQueue.WaitForSpace(data.Length);
            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>Closes the connection (idempotent); queued data may be lost.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closedFlag, 1) != 0)
        {
            return;
        }

        _sendQueue.Complete();
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    /// <summary>Closes and waits for the loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await Completion.ConfigureAwait(false);
    }

    internal async Task RunAsync(Stream stream)
    {
        string reason = "closed by remote";
        Task sendLoop = Task.CompletedTask;
        try
        {
            if (!NotifyConnected())
            {
                reason = "handler failed on connect";
                return;
            }

            sendLoop = SendLoopAsync(stream);
            reason = await ReadLoopAsync(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = IsClosed ? "closed locally" : ex.GetType().Name;
        }
        finally
        {
            Close();
            await sendLoop.ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            _socket.Dispose();
            NotifyClosed(reason);
            if (_ownsCounters)
            {
                NetMetrics.Retire(Counters);
            }
        }
    }

    private bool NotifyConnected()
    {
        try
        {
            _handler.OnConnected(this);
            return true;
        }
#pragma warning disable CA1031 // a handler failure closes this connection only
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.HandlerFailed();
            NetLog.HandlerFailed(_logger, ex, FiveTuple.ToString());
            return false;
        }
    }

    private void NotifyClosed(string reason)
    {
        try
        {
            _handler.OnClosed(this, reason);
        }
#pragma warning disable CA1031 // a handler failure must not leak out of the connection task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.HandlerFailed();
            NetLog.HandlerFailed(_logger, ex, FiveTuple.ToString());
        }

        NetLog.ConnectionClosed(_logger, FiveTuple.Protocol.ToString(), RemoteAddress.ToString(), reason);
        _completion.TrySetResult();
    }

    private async Task<string> ReadLoopAsync(PipeReader input, CancellationToken token)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool framed = Deliver(ref buffer);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (!framed)
                {
                    Counters.Count(PacketDisposition.Malformed);
                    return "unframeable data";
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return buffer.IsEmpty ? "closed by remote" : "closed by remote mid-frame";
                }
            }
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool Deliver(ref ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty && !IsClosed)
        {
            if (_mode == StreamFramingMode.Raw)
            {
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    Dispatch(segment.Span, StunFrameKind.Invalid, raw: true);
                }

                buffer = buffer.Slice(buffer.End);
                return true;
            }

            StunFrameKind kind = StreamFrameReader.TryRead(ref buffer, out ReadOnlySequence<byte> frame);
            if (kind == StunFrameKind.NeedMoreData)
            {
                return true;
            }

            if (kind == StunFrameKind.Invalid)
            {
                return false;
            }

            DispatchFrame(frame, kind);
        }

        return true;
    }

    private void DispatchFrame(in ReadOnlySequence<byte> frame, StunFrameKind kind)
    {
        if (frame.IsSingleSegment)
        {
            Dispatch(frame.FirstSpan, kind, raw: false);
            return;
        }

        int length = (int)frame.Length;
        byte[] copy = ArrayPool<byte>.Shared.Rent(length);
        frame.CopyTo(copy);
        Dispatch(copy.AsSpan(0, length), kind, raw: false);
        ArrayPool<byte>.Shared.Return(copy);
    }

    private void Dispatch(ReadOnlySpan<byte> data, StunFrameKind kind, bool raw)
    {
        Counters.Received(data.Length);
        try
        {
            Counters.Count(raw ? _handler.OnRawData(this, data) : _handler.OnFrame(this, data, kind));
        }
#pragma warning disable CA1031 // nothing a client sends may stop the loop; the failure is counted
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.HandlerFailed();
            NetLog.HandlerFailed(_logger, ex, FiveTuple.ToString());
        }
    }

    private async Task SendLoopAsync(Stream stream)
    {
        if (!await _sendQueue.DrainAsync(stream, _closing.Token).ConfigureAwait(false))
        {
            Counters.SendFailed();
            Close();
        }
    }

    private bool TryEnqueue(ReadOnlySpan<byte> data)
    {
        if (IsClosed || !_sendQueue.TryEnqueue(data))
        {
            return false;
        }

        Counters.Sent(data.Length);
        return true;
    }
}
