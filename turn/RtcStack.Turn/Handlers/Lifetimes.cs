using RtcStack.Stun;

namespace RtcStack.Turn.Handlers;

/// <summary>The "desired lifetime" of RFC 8656 §7.2 step 8 and §8.</summary>
internal static class Lifetimes
{
    /// <summary>
    /// No LIFETIME: the default. Otherwise min(requested, max), raised to the default when below it.
    /// (A zero LIFETIME in Refresh is handled by the caller before this.)
    /// </summary>
    internal static int Desired(StunMessageReader message, TurnOptions options)
    {
        if (!message.TryGetLifetime(out uint requested))
        {
            return options.DefaultLifetimeSeconds;
        }
        long capped = Math.Min(requested, (uint)options.MaxLifetimeSeconds);
        return (int)Math.Max(capped, options.DefaultLifetimeSeconds);
    }
}
