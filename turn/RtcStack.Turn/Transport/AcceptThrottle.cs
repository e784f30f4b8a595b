using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// What an accept loop does after a failed accept. Out of file descriptors or kernel memory (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM), accepting again at once fails again at once: the loop would spin a core and flood the log
/// while the pending connections wait in the backlog anyway. So it waits (10 ms doubling to 1 s while the
/// failures last) and logs one warning per <see cref="LogInterval"/>. Any other error (a peer that reset in the
/// backlog) is retried at once.
/// </summary>
internal sealed class AcceptThrottle(ILogger logger, string endPoint, TimeProvider? time = null)
{
    internal static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private TimeSpan _delay = MinDelay;
    private long _lastLog = long.MinValue;
    private long _failures;

    /// <summary>Resource failures seen since the last warning (reported in it).</summary>
    internal long Failures => _failures;

    /// <summary>Whether <paramref name="exception"/> says the process or system is out of descriptors or kernel memory.</summary>
    internal static bool IsResourceExhaustion(SocketException exception) =>
        exception.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable
        || exception.ErrorCode is 12 /* ENOMEM */ or 23 /* ENFILE */ or 24 /* EMFILE */ or 105 /* ENOBUFS */;

    /// <summary>The pause before the next accept, and whether to log a warning now.</summary>
    internal TimeSpan OnFailure(SocketException exception, out bool warn)
    {
        warn = false;
        if (!IsResourceExhaustion(exception))
        {
            return TimeSpan.Zero;
        }
        _failures++;
        long now = _time.GetTimestamp();
        if (_lastLog == long.MinValue || _time.GetElapsedTime(_lastLog, now) >= LogInterval)
        {
            _lastLog = now;
            warn = true;
        }
        TimeSpan delay = _delay;
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaxDelay.Ticks));
        return delay;
    }

    /// <summary>An accept succeeded: the next failure starts from the shortest pause again.</summary>
    internal void OnSuccess() => _delay = MinDelay;

    /// <summary>Handles a failed accept: logs (rate-limited) and waits as <see cref="OnFailure"/> says.</summary>
    internal async Task AfterFailureAsync(SocketException exception, CancellationToken token)
    {
        TimeSpan delay = OnFailure(exception, out bool warn);
        if (warn)
        {
            TurnLog.AcceptExhausted(logger, endPoint, exception.SocketErrorCode.ToString(), _failures);
            _failures = 0;
        }
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, token).ConfigureAwait(false);
        }
    }
}
