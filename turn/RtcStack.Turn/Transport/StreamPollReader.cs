using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The read side of one TCP or TLS client connection on a <see cref="StreamPoller"/> thread. While framing, the poller
/// calls <see cref="OnEvent"/> when the socket is readable: a non-blocking read into the thread's buffer (behind this
/// connection's partial frame, if any), every complete frame processed in place, the partial tail kept in a buffer rented
/// only for as long as it is partial. TLS: the ciphertext is cut into whole records (5-byte header, RFC 8446 §5.1) and the
/// SslStream reads them synchronously from <see cref="TlsRecordCapture"/>, which never blocks: a record that carries
/// no data (KeyUpdate) as the last one ends the read, close_notify ends the connection, a bad record or alert closes it
/// (the frames of the records before it are processed first; on a data connection they reach the peer first).
/// Before framing (the TLS handshake) reads are asynchronous: a non-blocking read, and when it would block a one-shot
/// wait on the same epoll registration, continued on the thread pool. An RFC 6062 data connection (TCP or TLS) leaves
/// the poller: its relay reads through .NET's socket engine (or T2's TcpRelayLoop for plain TCP).
/// </summary>
internal sealed partial class StreamPollReader
{
    private const uint Readable = LinuxNative.EpollIn | LinuxNative.EpollRdHup;

    /// <summary>Wake-ups in a row whose whole records carried no data (KeyUpdate, empty records) before the connection closes.</summary>
    private const int MaxEmptyWakeups = 16;

    private readonly StreamConnection _connection;
    private readonly Socket _socket;
    private readonly StreamPoller _poller;
    private readonly Lock _gate = new();
    private volatile Mode _mode = Mode.Idle;
    private TaskCompletionSource<StreamPollOutcome>? _episode;
    private TaskCompletionSource? _waiter;
    private bool _busy;
    private StreamPollOutcome _ended;
    private int _emptyWakeups;
    private PartialBytes _partial;
    private PartialBytes _cipher;
    private readonly byte[] _head = new byte[5];
    private int _headLength;
    private int _headServed;
    private int _bodyLeft;
    private bool _handshake = true;
    private SslStream? _tls;
    private TlsRecordCapture? _capture;

    internal StreamPollReader(StreamConnection connection, Socket socket, StreamPoller poller, ILogger logger)
    {
        _connection = connection;
        _socket = socket;
        _poller = poller;
        Logger = logger;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
    }

    private enum Mode
    {
        Idle,
        Waiting,
        Framing,
        Detached,
    }

    internal int Fd { get; }

    /// <summary>The poller that reads this connection.</summary>
    internal StreamPoller Poller => _poller;

    /// <summary>The connection's server logger (the poller thread logs this connection's failures to it).</summary>
    internal ILogger Logger { get; }

    /// <summary>Where <see cref="StreamPoller"/> keeps this reader (its epoll fd, -1 when not registered).</summary>
    internal int PollFd { get; set; } = -1;

    internal int PollSlot { get; set; }

    internal ulong PollData { get; set; }

    /// <summary>Why the last episode ended with <see cref="StreamPollOutcome.Closed"/>.</summary>
    internal string Reason { get; private set; } = "closed by the server";

    /// <summary>Plain bytes after the ConnectionBind frame (RFC 6062 §5.4), for the data relay.</summary>
    internal ReadOnlyMemory<byte> Early { get; private set; }

    /// <summary>Whether the client's TLS failed (a bad record) in the wake-up that made this a data connection: relay only <see cref="Early"/>.</summary>
    internal bool TlsFailed { get; private set; }

    /// <summary>Frames TLS records from now on (after the handshake).</summary>
    internal void UseTls(SslStream tls, TlsRecordCapture capture)
    {
        _tls = tls;
        _capture = capture;
        _handshake = false;
    }

    /// <summary>Reads and processes on the poller until the connection closes, lags, or becomes a data connection.</summary>
    internal Task<StreamPollOutcome> FrameAsync()
    {
        lock (_gate)
        {
            if (_mode == Mode.Detached)
            {
                return Task.FromResult(StreamPollOutcome.Closed);
            }
            var episode = new TaskCompletionSource<StreamPollOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            _episode = episode;
            _mode = Mode.Framing;
            if (!Arm(Readable))
            {
                Reason = "epoll refused the socket";
                _mode = Mode.Idle;
                _episode = null;
                return Task.FromResult(StreamPollOutcome.Closed);
            }
            return episode.Task;
        }
    }

    /// <summary>
    /// Stops reading for good (the connection closes). While the poller thread is inside <see cref="OnEvent"/> (processing
    /// frames: an Allocate may be under way) this only marks the reader: the poller thread ends the episode when it leaves,
    /// so the owner's close-up (ConnectionClosed) never runs alongside a frame of this connection.
    /// </summary>
    internal void Detach()
    {
        TaskCompletionSource<StreamPollOutcome>? episode = null;
        TaskCompletionSource? waiter;
        bool release;
        lock (_gate)
        {
            if (_mode == Mode.Detached)
            {
                return;
            }
            _mode = Mode.Detached;
            _poller.Remove(this);
            release = !_busy;
            if (release)
            {
                (episode, _episode) = (_episode, null);
            }
            else
            {
                _ended = StreamPollOutcome.Closed;
            }
            (waiter, _waiter) = (_waiter, null);
        }
        if (release)
        {
            _partial.Release(); // the poller thread is not in a read and will not start one: Detached
            _cipher.Release();
        }
        episode?.TrySetResult(StreamPollOutcome.Closed);
        waiter?.TrySetException(new ObjectDisposedException(nameof(StreamPollReader)));
    }

    /// <summary>The poller thread failed on this connection: close it.</summary>
    internal void Fail(string reason)
    {
        Reason = reason;
        _connection.Close();
    }

    /// <summary>On the poller thread: the socket is readable (or failed).</summary>
    internal void OnEvent(uint events, StreamPollScratch scratch)
    {
        TaskCompletionSource? waiter = null;
        lock (_gate)
        {
            switch (_mode)
            {
                case Mode.Framing:
                    _busy = true;
                    break;
                case Mode.Waiting:
                    _mode = Mode.Idle;
                    (waiter, _waiter) = (_waiter, null);
                    break;
                default:
                    return;
            }
        }
        if (waiter is not null)
        {
            waiter.TrySetResult();
            return;
        }
        try
        {
            if (_capture is null)
            {
                ReadPlain(scratch);
            }
            else
            {
                ReadTls(scratch);
            }
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>The poller thread leaves <see cref="OnEvent"/>: ends the episode if the read ended it or a close came meanwhile.</summary>
    private void Leave()
    {
        TaskCompletionSource<StreamPollOutcome>? episode = null;
        StreamPollOutcome outcome;
        lock (_gate)
        {
            _busy = false;
            outcome = _ended;
            if (outcome != StreamPollOutcome.None)
            {
                _ended = StreamPollOutcome.None;
                (episode, _episode) = (_episode, null);
            }
        }
        if (outcome == StreamPollOutcome.Closed)
        {
            _partial.Release();
            _cipher.Release();
        }
        episode?.TrySetResult(outcome);
    }

    /// <summary>On the poller thread, inside <see cref="OnEvent"/>: the episode ends with <paramref name="outcome"/> when the thread leaves.</summary>
    private void End(StreamPollOutcome outcome, string? reason)
    {
        lock (_gate)
        {
            if (_mode != Mode.Framing)
            {
                return;
            }
            if (reason is not null)
            {
                Reason = reason;
            }
            _mode = Mode.Idle;
            if (outcome == StreamPollOutcome.Backpressure && !Arm(LinuxNative.EpollOneShot)) // not readable until the owner frames again
            {
                // Still level-triggered while nobody reads: the poller thread would spin on it. Close instead.
                Reason = "epoll refused the socket";
                outcome = StreamPollOutcome.Closed;
            }
            if (outcome is StreamPollOutcome.Closed or StreamPollOutcome.DataConnection)
            {
                _mode = Mode.Detached;
                _poller.Remove(this);
            }
            _ended = outcome;
        }
    }

    /// <summary>Registers or re-arms the socket (caller holds the gate).</summary>
    private bool Arm(uint events) => PollFd >= 0 ? _poller.Modify(this, events) : _poller.Add(this, events);
}
