using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Sctp.Association;
using RtcStack.Sctp.DataChannels;

namespace RtcStack.Sctp;

/// <summary>
/// One SCTP association carried over DTLS (RFC 8261) with WebRTC data channels (RFC 8831/8832).
/// Feed each decrypted DTLS record to <see cref="HandlePacket"/>; outgoing packets go to the
/// <see cref="ISctpTransport"/>. Thread-safe: packets, timers and API calls serialize on one lock;
/// transport sends and user events run outside it, in order, on the calling thread.
/// </summary>
public sealed class SctpAssociation : IDataChannelHost, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ISctpTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AssociationCore _core;
    private readonly ITimer _timer;
    private readonly long _origin;
    private readonly Queue<Action> _events = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationToken _disposedToken;
    private bool _draining;
    private long? _timerDue;

    public SctpAssociation(ISctpTransport transport, SctpAssociationOptions options, TimeProvider? timeProvider = null, ILogger<SctpAssociation>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _transport = transport;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _origin = _time.GetTimestamp();
        _disposedToken = _disposed.Token;
        _core = new AssociationCore(options, this, OnAccepted, _events.Enqueue, _logger);
        _core.StateChanged += s => OnStateChanged?.Invoke(s);
        _timer = _time.CreateTimer(static s => ((SctpAssociation)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A data channel the peer opened with DATA_CHANNEL_OPEN (already open).</summary>
    public event Action<DataChannel>? OnDataChannel;

    /// <summary>The association state changed (Established, Closed, ...).</summary>
    public event Action<SctpAssociationState>? OnStateChanged;

    public SctpAssociationState State
    {
        get
        {
            lock (_gate)
            {
                return _core.State;
            }
        }
    }

    /// <summary>Streams usable for sending after negotiation.</summary>
    public int OutboundStreams
    {
        get
        {
            lock (_gate)
            {
                return _core.OutboundStreams;
            }
        }
    }

    /// <summary>The state machine, for tests (not thread-safe).</summary>
    internal AssociationCore Core => _core;

    /// <summary>A copy of this association's counters, with a snapshot of its windows and timers.</summary>
    public SctpStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                RetransmissionQueue? tx = _core.Transmit;
                return _core.Stats with
                {
                    CongestionWindow = tx?.Cwnd ?? 0,
                    BytesInFlight = tx?.Outstanding ?? 0,
                    PeerReceiverWindow = tx?.PeerReceiverWindow ?? 0,
                    ChunksAwaitingAck = tx?.Count ?? 0,
                    RtoMs = (long)_core.Rto.RtoMs,
                    ReceiveBuffered = _core.Data?.BufferedBytes ?? 0,
                    QueuedBytes = _core.SendQueue.QueuedBytes,
                };
            }
        }
    }

    /// <summary>Sends INIT. In WebRTC either or both sides may call this once DTLS is up (collisions are handled).</summary>
    public void Start() => Run(static c => c.Connect());

    /// <summary>Processes one inbound SCTP packet (one DTLS application-data record). Never throws on bad input.</summary>
    public void HandlePacket(ReadOnlySpan<byte> packet)
    {
        lock (_gate)
        {
            _core.SetTime(NowMs());
            try
            {
                _core.HandlePacket(packet);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Fail(ex); // a defect, not bad input: close this association, keep the receive loop alive
            }

            ScheduleTimer();
        }

        Drain();
    }

    /// <summary>Creates a data channel; it opens (DCEP) as soon as the association is established.</summary>
    public DataChannel CreateDataChannel(string label, DataChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        DataChannel channel;
        lock (_gate)
        {
            _core.SetTime(NowMs());
            channel = _core.Channels.Create(label, options ?? new DataChannelOptions());
            _core.Pump();
            ScheduleTimer();
        }

        Drain();
        return channel;
    }

    /// <summary>Graceful SHUTDOWN after queued data is delivered (RFC 9260 §9.2).</summary>
    public void Shutdown() => Run(static c => c.Shutdown());

    /// <summary>Sends ABORT and closes at once (RFC 9260 §9.1).</summary>
    public void Abort() => Run(static c => c.Abort("aborted locally"));

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _core.SetTime(NowMs());
            _core.Abort("disposed");
        }

        Drain(); // sends the ABORT
        await _timer.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _core.Output.Clear();
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }

    DataChannelSendResult IDataChannelHost.Send(DataChannel channel, uint ppid, ReadOnlySpan<byte> data)
    {
        DataChannelSendResult result;
        lock (_gate)
        {
            _core.SetTime(NowMs());
            result = _core.Channels.Send(channel, ppid, data);
            _core.Pump();
            ScheduleTimer();
        }

        Drain();
        return result;
    }

    void IDataChannelHost.Post(Action action) => _events.Enqueue(action);

    void IDataChannelHost.Close(DataChannel channel)
    {
        lock (_gate)
        {
            _core.SetTime(NowMs());
            _core.Channels.Close(channel);
            _core.Pump();
            ScheduleTimer();
        }

        Drain();
    }

    private void Run(Action<AssociationCore> action)
    {
        lock (_gate)
        {
            _core.SetTime(NowMs());
            action(_core);
            _core.Pump();
            ScheduleTimer();
        }

        Drain();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerDue = null;
            _core.SetTime(NowMs());
            try
            {
                _core.OnTimer();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Fail(ex);
            }

            ScheduleTimer();
        }

        Drain();
    }

    /// <summary>Caller holds the lock. Logs an internal fault and aborts the association.</summary>
    private void Fail(Exception ex)
    {
        _logger.InternalError(ex);
        _core.Stats.InternalErrors++;
        try
        {
            _core.Abort("internal error");
        }
        catch (Exception again) when (again is not OutOfMemoryException)
        {
            _logger.InternalError(again);
        }

        _core.Output.Flush();
    }

    private void OnAccepted(DataChannel channel)
    {
        _logger.ChannelAccepted(channel.Id, channel.Label);
        OnDataChannel?.Invoke(channel);
    }

    private long NowMs() => (long)_time.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>Re-arms the one timer to the earliest deadline (caller holds the lock).</summary>
    private void ScheduleTimer()
    {
        long? due = _core.NextDeadlineMs;
        if (due == _timerDue)
        {
            return;
        }

        _timerDue = due;
        TimeSpan delay = due is long d ? TimeSpan.FromMilliseconds(Math.Max(0, d - _core.NowMs)) : Timeout.InfiniteTimeSpan;
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sends queued packets and raises queued events, in order, outside the lock; one drainer at a time.</summary>
    private void Drain()
    {
        lock (_gate)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        DrainLoop();
    }

    /// <summary>Runs while this caller owns the drain; hands over to a continuation if the transport is asynchronous.</summary>
    private void DrainLoop()
    {
        while (true)
        {
            OutgoingPacket packet;
            Action? action = null;
            lock (_gate)
            {
                if (_core.Output.TryDequeue(out packet))
                {
                    _core.Stats.PacketsSent++;
                }
                else if (!_events.TryDequeue(out action))
                {
                    _draining = false;
                    return;
                }
            }

            if (action is not null)
            {
                Invoke(action);
                continue;
            }

            ValueTask pending;
            try
            {
                pending = _transport.SendAsync(packet.Memory, _disposedToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.SendFailed(ex);
                packet.Return();
                continue;
            }

            if (!pending.IsCompleted)
            {
                _ = ContinueDrainAsync(pending, packet);
                return;
            }

            Complete(pending, packet);
        }
    }

    private async Task ContinueDrainAsync(ValueTask pending, OutgoingPacket packet)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.SendFailed(ex);
        }
        finally
        {
            packet.Return();
        }

        DrainLoop();
    }

    private void Complete(ValueTask completed, OutgoingPacket packet)
    {
        try
        {
            completed.GetAwaiter().GetResult(); // already completed: observes a fault without blocking
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.SendFailed(ex);
        }
        finally
        {
            packet.Return();
        }
    }

    private void Invoke(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.HandlerFailed(ex);
        }
    }
}
