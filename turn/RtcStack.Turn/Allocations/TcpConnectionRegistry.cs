using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// Every RFC 6062 peer data connection of the server by CONNECTION-ID (§6.2.1), so a ConnectionBind arriving on a
/// new client connection, which has no allocation of its own, finds it. IDs are random and unique while in use;
/// a connection leaves the registry when it closes.
/// </summary>
internal sealed class TcpConnectionRegistry
{
    private readonly ConcurrentDictionary<uint, TcpPeerConnection> _connections = new();

    internal int Count => _connections.Count;

    /// <summary>Gives the connection a fresh non-zero ID and registers it; returns the ID.</summary>
    internal uint Register(TcpPeerConnection connection)
    {
        while (true)
        {
            uint id = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) ^ ((uint)RandomNumberGenerator.GetInt32(0, 2) << 31);
            if (id != 0 && _connections.TryAdd(id, connection))
            {
                return id;
            }
        }
    }

    internal bool TryGet(uint id, [NotNullWhen(true)] out TcpPeerConnection? connection) => _connections.TryGetValue(id, out connection);

    internal void Remove(uint id, TcpPeerConnection connection) => _connections.TryRemove(new KeyValuePair<uint, TcpPeerConnection>(id, connection));
}
