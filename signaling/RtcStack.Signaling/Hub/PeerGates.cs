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

    /// <summary>
    /// Waits for the peer's gate; dispose the result to release it. When <paramref name="waiter"/> begins closing
    /// first the wait ends and the result does not hold the gate (<see cref="Lease.Held"/>).
    /// </summary>
    public async Task<Lease> EnterAsync(string peer, SignalingConnection waiter)
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
        try
        {
            if (!gate.Semaphore.Wait(0))
            {
                // Only a hello that has to wait makes its connection's closing token.
                await gate.Semaphore.WaitAsync(waiter.Closing).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Leave(peer, gate);
            return default;
        }
        return new Lease(this, peer, gate);
    }

    /// <summary>How many hellos hold or wait for a gate (tests).</summary>
    internal int Count
    {
        get
        {
            lock (_gates)
            {
                return _gates.Count;
            }
        }
    }

    private void Exit(string peer, Gate gate)
    {
        gate.Semaphore.Release();
        Leave(peer, gate);
    }

    private void Leave(string peer, Gate gate)
    {
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
        /// <summary>False when the wait was cancelled: the gate is not held and disposing does nothing.</summary>
        public bool Held => owner is not null;

        public void Dispose() => owner?.Exit(peer, gate);
    }

    internal sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
