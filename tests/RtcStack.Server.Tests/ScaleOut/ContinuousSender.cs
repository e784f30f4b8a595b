using System.Globalization;
using RtcStack.Client;
using RtcStack.Server.Tests.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// Sends numbered application messages from one client to one peer, one after another (each acknowledged by
/// the server), until stopped; a send that fails (e.g. <c>unknown-target</c>) fails the test.
/// </summary>
internal sealed class ContinuousSender
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _sent;

    /// <summary>Starts sending to <paramref name="to"/>, or to the whole room when it is null.</summary>
    public ContinuousSender(SignalingClient client, string room, string? to)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await client.SendMessageAsync(room, Json.Parse(_sent.ToString(CultureInfo.InvariantCulture)), to);
                Interlocked.Increment(ref _sent);
            }
        });
    }

    /// <summary>Messages acknowledged so far; rethrows when the sender failed (so a wait on it ends at once).</summary>
    public int Sent
    {
        get
        {
            if (_loop.IsFaulted)
            {
                _loop.GetAwaiter().GetResult();
            }

            return Volatile.Read(ref _sent);
        }
    }

    /// <summary>Stops after the send in progress; returns how many were sent (0..n-1). Rethrows a send failure.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        return Volatile.Read(ref _sent);
    }
}
