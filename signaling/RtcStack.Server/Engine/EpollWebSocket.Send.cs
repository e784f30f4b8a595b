using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Tasks.Sources;

namespace RtcStack.Server.Engine;

/// <summary>The send side of an <see cref="EpollWebSocket"/>: frames into the out buffer, flushes (by send() or in a <see cref="SendRing"/> batch).</summary>
internal sealed partial class EpollWebSocket
{
    /// <summary>Engine thread: the kernel has room again.</summary>
    public void OnWritable() => Flush();

    /// <summary>Appends a control frame the engine answers by itself (pong, close); called under the lock by the decoder.</summary>
    internal void AppendControl(int opcode, ReadOnlySpan<byte> payload)
    {
        if (_state is WebSocketState.CloseSent or WebSocketState.Closed or WebSocketState.Aborted)
        {
            return;
        }
        Span<byte> frame = _out.GetSpan(2 + payload.Length);
        int n = WebSocketFrameWriter.WriteHeader(frame, opcode, fin: true, payload.Length);
        payload.CopyTo(frame[n..]);
        _out.Advance(n + payload.Length);
        QueueFlush();
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        bool wait;
        bool flushNow;
        lock (_sync)
        {
            if (_state is not (WebSocketState.Open or WebSocketState.CloseReceived) || messageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket cannot send in state " + _state + ".");
            }
            int opcode = _sendInMessage ? WebSocketFrameHeader.Continuation
                : messageType == WebSocketMessageType.Text ? WebSocketFrameHeader.Text : WebSocketFrameHeader.Binary;
            _sendInMessage = !endOfMessage;
            Span<byte> frame = _out.GetSpan(WebSocketFrameWriter.MaxHeaderLength + buffer.Length);
            int n = WebSocketFrameWriter.WriteHeader(frame, opcode, endOfMessage, buffer.Length);
            buffer.Span.CopyTo(frame[n..]);
            _out.Advance(n + buffer.Length);
            wait = _out.Pending > _owner.Engine.SendHighWater && !_fdClosed;
            if (wait)
            {
                _sendWaiting = true;
                _sendWait.Reset();
            }
            QueueFlush();
            flushNow = TakeFlushNow();
        }
        if (flushNow)
        {
            Flush();
        }
        return wait ? new ValueTask(this, _sendWait.Version) : ValueTask.CompletedTask;
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    /// <summary>Sends the out buffer now (any thread); registers EPOLLOUT when the kernel did not take it all.</summary>
    internal void Flush()
    {
        FlushOutcome outcome;
        lock (_sync)
        {
            FlushQueued = false;
            if (_fdClosed)
            {
                return;
            }
            _owner.Engine.Metrics.Sent();
            outcome = AfterSend(_out.Flush(Fd));
        }
        Complete(outcome);
    }

    /// <summary>
    /// Engine thread, for a <see cref="SendRing"/> submission: when the lock is free at once (and not already held by
    /// this thread: a socket can be in the flush list twice, and the ring must never send the same bytes twice) and there
    /// is something to send, copies the first pending bytes into <paramref name="staging"/> (at most its length) and
    /// returns true WITH THE LOCK HELD; the caller must then call <see cref="EndRingFlush"/> with the ring's result.
    /// False (lock not held): the caller flushes this socket with <see cref="Flush"/>.
    /// </summary>
    internal bool TryBeginRingFlush(Span<byte> staging, out int length)
    {
        length = 0;
        if (staging.IsEmpty || _sync.IsHeldByCurrentThread || !_sync.TryEnter())
        {
            return false;
        }
        if (_fdClosed || _lingering || _out.Pending == 0)
        {
            _sync.Exit();
            return false;
        }
        FlushQueued = false;
        length = _out.CopyPending(staging);
        return true;
    }

    /// <summary>
    /// The ring's result for this socket's send (bytes taken, a negative errno, or <see cref="SendRing.NotSubmitted"/>) of
    /// the <paramref name="offered"/> bytes <see cref="TryBeginRingFlush"/> staged; releases the lock <see cref="TryBeginRingFlush"/> took. Run the returned outcome with <see cref="Complete"/> once
    /// no other socket's lock is held.
    /// </summary>
    internal FlushOutcome EndRingFlush(int result, int offered)
    {
        try
        {
            _owner.Engine.Metrics.Sent();
            bool ok = true;
            if (result == SendRing.NotSubmitted)
            {
                ok = _out.Flush(Fd);
            }
            else if (result >= 0)
            {
                _out.Consume(result);
                if (result == offered && _out.Pending > 0)
                {
                    // Only a staged part was offered and the kernel took it all: it may have room for the rest, and no
                    // EPOLLOUT edge would come for a socket that never filled up, so send the rest now (as send() would).
                    ok = _out.Flush(Fd);
                }
                // Less than offered: the kernel's buffer is full; the rest goes on EPOLLOUT.
            }
            else if (result is not (-EpollNative.EAgain or -EpollNative.EIntr))
            {
                ok = false;
            }
            return AfterSend(ok);
        }
        finally
        {
            _sync.Exit();
        }
    }

    /// <summary>What a flush leaves to do outside the lock.</summary>
    [Flags]
    internal enum FlushOutcome : byte
    {
        None = 0,
        ReleaseSender = 1,
        ResumeReading = 2,
        Close = 4,
    }

    /// <summary>Under the lock, after a send: EPOLLOUT on or off, and what <see cref="Complete"/> must do.</summary>
    private FlushOutcome AfterSend(bool ok)
    {
        if (!ok)
        {
            _out.Clear();
            _decoder.Fail(null);
        }
        FlushOutcome outcome = _lingering && _out.Pending == 0 ? FlushOutcome.Close : FlushOutcome.None; // closed already: what was queued went out (or failed)
        bool full = _out.Pending > 0;
        if (full != _wantWrite)
        {
            _wantWrite = full;
            _owner.WatchWritable(this, full);
        }
        if (_sendWaiting && (_out.Pending <= _owner.Engine.SendHighWater / 2 || _decoder.Finished))
        {
            _sendWaiting = false;
            outcome |= FlushOutcome.ReleaseSender;
        }
        if (_readPaused && !_decoder.Finished && _out.Pending <= _owner.Engine.SendHighWater / 2 && _in.Buffered <= _owner.Engine.ReceiveHighWater)
        {
            _readPaused = false; // paused on the out buffer (a ping flood): the peer took it, read on
            outcome |= FlushOutcome.ResumeReading;
        }
        return outcome;
    }

    /// <summary>Outside the lock: wakes a waiting sender, resumes reading, closes a lingering socket.</summary>
    internal void Complete(FlushOutcome outcome)
    {
        if ((outcome & FlushOutcome.ReleaseSender) != 0)
        {
            _sendWait.SetResult(true);
        }
        if ((outcome & FlushOutcome.ResumeReading) != 0)
        {
            _owner.Resume(this);
        }
        if ((outcome & FlushOutcome.Close) != 0)
        {
            _owner.Close(this);
        }
    }

    /// <summary>
    /// Under the lock: on an engine thread the socket joins that thread's flush list (one send() after the batch);
    /// on any other thread the caller flushes right after it released the lock (<see cref="TakeFlushNow"/>).
    /// </summary>
    private void QueueFlush()
    {
        if (FlushQueued)
        {
            return;
        }
        FlushQueued = true;
        if (EpollLoop.Current is { } loop)
        {
            loop.QueueFlush(this);
        }
        else
        {
            _flushNow = true;
        }
    }

    private bool TakeFlushNow()
    {
        bool now = _flushNow;
        _flushNow = false;
        return now;
    }

    void IValueTaskSource.GetResult(short token) => _sendWait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _sendWait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _sendWait.OnCompleted(continuation, state, token, flags);
}
