namespace RtcStack.Signaling.Hub;

/// <summary>
/// One async gate per peer, held while a <c>hello</c> takes the peer's session over and installs its own: two hellos
/// of one peer at once (a client that gave up waiting for its first welcome while the takeover waited for a dead
/// node, and connected again) would otherwise each install a session, the later install overwriting the other
/// without ending it (its calls would then ring on a session no client holds). With the gate the second hello finds
/// the first one's session and replaces it properly. A gate exists only while someone holds or waits for it.
/// </summary>
internal sealed class PeerGates
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits for the peer's gate; dispose the result to release it.</summary>
    public async Task<Lease> EnterAsync(string peer)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(peer, out gate!))
            {
                gate = new Gate();
                _gates[peer] = gate;
            }
            gate.Users++;
        }
        await gate.Semaphore.WaitAsync().ConfigureAwait(false);
        return new Lease(this, peer, gate);
    }

    private void Exit(string peer, Gate gate)
    {
        gate.Semaphore.Release();
        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(peer);
                gate.Semaphore.Dispose();
            }
        }
    }

    /// <summary>A held gate.</summary>
    internal readonly struct Lease(PeerGates owner, string peer, Gate gate) : IDisposable
    {
        public void Dispose() => owner.Exit(peer, gate);
    }

    internal sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
