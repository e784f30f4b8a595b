namespace RtcStack.Turn.Transport;

/// <summary>
/// <see cref="IngressState"/>s for stream connections, rented only while a connection processes what it read, so an
/// idle TCP or TLS client holds none (each has 2 KiB of pinned scratch and, on Linux, a sendmmsg batch).
/// </summary>
internal static class IngressPool
{
    private const int MaxKept = 256;

    private static readonly Lock Gate = new();
    private static readonly Stack<IngressState> Free = new();

    internal static IngressState Rent()
    {
        lock (Gate)
        {
            if (Free.TryPop(out IngressState? state))
            {
                return state;
            }
        }
        return new IngressState { PeerSends = LinuxNative.IsSupported ? new SendBatch(32) : null };
    }

    internal static void Return(IngressState state)
    {
        lock (Gate)
        {
            if (Free.Count < MaxKept)
            {
                Free.Push(state);
                return;
            }
        }
        state.PeerSends?.Dispose();
    }
}
