using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// Relay ports reserved by EVEN-PORT with the R bit, claimed by a later Allocate carrying the
/// RESERVATION-TOKEN (RFC 8656 §7.2 steps 5-6); unclaimed reservations are released after 30 s.
/// Bounded: at most one reservation per allocation exists, and the quota bounds allocations.
/// </summary>
internal sealed class ReservationTable
{
    /// <summary>How long a reserved port is kept for its token (RFC 8656 §7.2: about 30 seconds).</summary>
    internal const int LifetimeSeconds = 30;

    private readonly Dictionary<ulong, (Socket Socket, RelayPortPool Pool, long Expires)> _reserved = [];
    private readonly Lock _lock = new();

    internal ulong Add(Socket socket, RelayPortPool pool, long expires)
    {
        ulong token = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        lock (_lock)
        {
            _reserved[token] = (socket, pool, expires);
        }
        return token;
    }

    /// <summary>Takes the socket reserved under <paramref name="token"/>, or null when unknown or expired.</summary>
    internal (Socket Socket, RelayPortPool Pool)? Take(ulong token, long now)
    {
        lock (_lock)
        {
            if (!_reserved.Remove(token, out var entry))
            {
                return null;
            }
            if (now >= entry.Expires)
            {
                Close(entry.Socket, entry.Pool);
                return null;
            }
            return (entry.Socket, entry.Pool);
        }
    }

    internal void Sweep(long now)
    {
        lock (_lock)
        {
            foreach (var (token, entry) in _reserved)
            {
                if (now >= entry.Expires)
                {
                    _reserved.Remove(token);
                    Close(entry.Socket, entry.Pool);
                }
            }
        }
    }

    internal void Clear() => Sweep(long.MaxValue);

    private static void Close(Socket socket, RelayPortPool pool)
    {
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        socket.Dispose();
        pool.Release(port);
    }
}
