using System.Buffers;
using System.Net.WebSockets;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Limits;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// The receive loop of one socket: enforces frame size, text-only and the token bucket, parses each frame
/// and hands it to the <see cref="CommandDispatcher"/>. An idle socket holds no receive buffer (a zero-byte
/// read waits for the next frame; the buffer is rented only while a frame is read).
/// </summary>
internal sealed class ConnectionRunner(SignalingHub hub, SignalingConnection connection)
{
    private readonly TokenBucket _bucket = new(hub.Options.MessagesPerSecond, hub.Options.Burst, hub.Time);
    private int _droppedInRow;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // No token source per connection: the host's token (if any) aborts the socket, which ends the receive.
        using CancellationTokenRegistration aborts = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((WebSocket)s!).Abort(), connection.Socket)
            : default;
        try
        {
            await ReceiveLoopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Log.SocketError(hub.Logger, ex.Message);
        }
        finally
        {
            connection.Close(CloseCodes.Normal);
            Task sent = connection.SendCompletion;
            if (!sent.IsCompleted && await Task.WhenAny(sent, Task.Delay(SignalingConnection.CloseTimeout, CancellationToken.None)).ConfigureAwait(false) != sent)
            {
                connection.Socket.Abort();
                await sent.ConfigureAwait(false);
            }
            connection.Socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        WebSocket socket = connection.Socket;
        int max = hub.Options.MaxFrameBytes;
        while (socket.State == WebSocketState.Open)
        {
            ValueWebSocketReceiveResult first = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            connection.LastReceived = hub.Time.GetTimestamp();
            hub.Metrics.FrameReceived();
            if (first.MessageType == WebSocketMessageType.Binary)
            {
                hub.SendError(connection, ErrorCodes.BinaryNotSupported, "binary frames are not supported", null);
                await DrainUntilClosedAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, 16 * 1024));
            try
            {
                int length = 0;
                bool end = first.EndOfMessage;
                while (!end)
                {
                    if (length == buffer.Length)
                    {
                        if (length > max)
                        {
                            break;
                        }
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    ValueWebSocketReceiveResult r = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    length += r.Count;
                    end = r.EndOfMessage;
                }
                if (length > max)
                {
                    hub.SendError(connection, ErrorCodes.FrameTooLarge, $"frames are limited to {max} bytes", null);
                    await DrainUntilClosedAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                Task processed = ProcessAsync(buffer.AsMemory(0, length));
                if (!processed.IsCompletedSuccessfully)
                {
                    await processed.ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (connection.IsClosing)
            {
                await DrainUntilClosedAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>After the server began closing: discards input until the peer's close frame (or the close timeout).</summary>
    private async Task DrainUntilClosedAsync(CancellationToken cancellationToken)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (connection.Socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                ValueWebSocketReceiveResult r = await connection.Socket.ReceiveAsync(scratch.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Handles one frame; the relay fast path returns its task as is (completed when the backplane delivered synchronously).</summary>
    private Task ProcessAsync(ReadOnlyMemory<byte> frame)
    {
        if (!_bucket.TryTake())
        {
            ParseResult dropped = FrameParser.ParseClient(frame.Span);
            _droppedInRow++;
            if (_droppedInRow > hub.Options.RateLimitCloseAfter)
            {
                hub.Metrics.Error(ErrorCodes.RateLimited);
                connection.Close(CloseCodes.RateLimitAbuse, FrameWriter.Write(FrameWriter.Error(ErrorCodes.RateLimited, "rate limit abused; closing", dropped.RequestId)));
                return Task.CompletedTask;
            }
            hub.SendError(connection, ErrorCodes.RateLimited, "rate limit exceeded; the message was dropped", dropped.RequestId);
            return Task.CompletedTask;
        }
        _droppedInRow = 0;
        if (hub.Commands.TryRelayRaw(connection, frame.Span) is { } relayed)
        {
            return relayed;
        }
        ParseResult parsed = FrameParser.ParseClient(frame.Span);
        if (!parsed.IsOk)
        {
            hub.SendError(connection, parsed.ErrorCode!, parsed.ErrorMessage!, parsed.RequestId);
            return Task.CompletedTask;
        }
        return hub.Commands.DispatchAsync(connection, parsed.Message!);
    }
}
