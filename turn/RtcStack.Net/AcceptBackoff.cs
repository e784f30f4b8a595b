using System.Net.Sockets;

namespace RtcStack.Net;

/// <summary>
/// What an accept loop does after a failed accept. Out of file descriptors or kernel memory (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM), accepting again at once fails again at once: the loop would spin a core and flood the log
/// while the pending connections wait in the backlog anyway. So the loop waits (10 ms doubling to 1 s while the
/// failures last) and warns once per <see cref="LogInterval"/>. Any other error (a peer that reset in the backlog)
/// is retried at once. One instance per accept loop; not thread-safe.
/// </summary>
public sealed class AcceptBackoff(TimeProvider? time = null)
{
    /// <summary>At most one warning per this interval.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ReportInterval _failures = new(LogInterval, time);
    private TimeSpan _delay = MinDelay;

    /// <summary>Whether <paramref name="exception"/> says the process or system is out of descriptors or kernel memory.</summary>
    public static bool IsResourceExhaustion(SocketException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable
            || exception.ErrorCode is 12 /* ENOMEM */ or 23 /* ENFILE */ or 24 /* EMFILE */ or 105 /* ENOBUFS */;
    }

    /// <summary>
    /// The pause before the next accept. <paramref name="report"/> is 0 when no warning is due, else the number of
    /// resource failures to report in one (those since the previous warning, this one included).
    /// </summary>
    public TimeSpan OnFailure(SocketException exception, out long report)
    {
        report = 0;
        if (!IsResourceExhaustion(exception))
        {
            return TimeSpan.Zero;
        }
        report = _failures.Occurred(out long since) ? since : 0;
        TimeSpan delay = _delay;
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaxDelay.Ticks));
        return delay;
    }

    /// <summary>An accept succeeded: the next failure starts from the shortest pause again.</summary>
    public void OnSuccess() => _delay = MinDelay;

    /// <summary>Waits <paramref name="delay"/> on this instance's clock (nothing when it is zero).</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
