using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Shared setup of the tests that drive a hub's backplane reports directly: a started <see cref="HubHarness"/> per
/// test (manual clock), the hub seen as the backplane's handler, and held calls as another node stored them.
/// </summary>
public abstract class BackplaneReportTests : IAsyncLifetime
{
    private protected HubHarness H { get; private set; } = null!;

    /// <summary>The hub as the backplane sees it.</summary>
    private protected IBackplaneHandler Handler => H.Hub;

    public async Task InitializeAsync()
    {
        H = new HubHarness();
        await H.StartAsync();
    }

    public async Task DisposeAsync() => await H.DisposeAsync();

    /// <summary>An outgoing call from <paramref name="caller"/> in room <c>r</c> whose invitation is held for <paramref name="callee"/>.</summary>
    private protected static CallState Held(string callId, string caller, string callee, long expiresAt) =>
        HeldCalls.Undelivered(callId, caller, callee, expiresAt);
}
