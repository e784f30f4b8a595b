using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Net;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>A TURN accept loop's <see cref="AcceptBackoff"/>, warning through <see cref="TurnLog.AcceptExhausted"/>.</summary>
internal sealed class AcceptThrottle(ILogger logger, string endPoint)
{
    private readonly AcceptBackoff _backoff = new();

    internal void OnSuccess() => _backoff.OnSuccess();

    /// <summary>Handles a failed accept: logs (rate-limited) when out of descriptors and waits as the backoff says.</summary>
    internal async Task AfterFailureAsync(SocketException exception, CancellationToken token)
    {
        TimeSpan delay = _backoff.OnFailure(exception, out long report);
        if (report > 0)
        {
            TurnLog.AcceptExhausted(logger, endPoint, exception.SocketErrorCode.ToString(), report);
        }
        await _backoff.WaitAsync(delay, token).ConfigureAwait(false);
    }
}
