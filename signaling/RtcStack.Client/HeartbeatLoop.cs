using System.Threading.Channels;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>
/// Sends <c>ping</c> every <c>heartbeat.intervalMs</c> while the connection lives, and drops the connection
/// when nothing at all arrived from the server for <c>heartbeat.timeoutMs</c> (a dead network path that TCP
/// would notice only much later); the supervisor then reconnects and resumes.
/// </summary>
internal static class HeartbeatLoop
{
    private static readonly byte[] Ping = FrameWriter.Write(new ClientMessage { Type = MessageTypes.Ping });

    public static async Task RunAsync(WebSocketConnection connection, HeartbeatInfo heartbeat, Func<long> lastReceiveTicks, CancellationToken cancellationToken)
    {
        int timeoutMs = heartbeat.TimeoutMs > 0 ? heartbeat.TimeoutMs : heartbeat.IntervalMs * 3;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(heartbeat.IntervalMs));
        try
        {
            while (!connection.Completion.IsCompleted && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Environment.TickCount64 - lastReceiveTicks() > timeoutMs)
                {
                    connection.Abort();
                    return;
                }

                await connection.SendAsync(Ping, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // The connection or the client closed; the supervisor takes it from here.
        }
    }
}
