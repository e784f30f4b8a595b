using System.Collections.Concurrent;
using System.Net;

namespace RtcStack.Signaling.Limits;

/// <summary>Counts open sockets per remote IP address.</summary>
internal sealed class ConnectionLimiter(int maxPerAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _counts = new();

    public bool TryAcquire(IPAddress address)
    {
        while (true)
        {
            int current = _counts.GetOrAdd(address, 0);
            if (current >= maxPerAddress)
            {
                return false;
            }
            if (_counts.TryUpdate(address, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Release(IPAddress address)
    {
        while (_counts.TryGetValue(address, out int current))
        {
            if (current <= 1)
            {
                if (_counts.TryRemove(new KeyValuePair<IPAddress, int>(address, current)))
                {
                    return;
                }
            }
            else if (_counts.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }
}
