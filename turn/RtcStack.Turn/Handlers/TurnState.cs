using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Auth;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Policy;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>What the handlers share: options, clock, tables, policy, auth, metrics and relay ports.</summary>
internal sealed class TurnState
{
    internal required TurnOptions Options { get; init; }

    internal required TimeProvider Time { get; init; }

    internal required AllocationTable Allocations { get; init; }

    internal required PeerAddressPolicy Policy { get; init; }

    internal required Responder Responder { get; init; }

    internal required Authenticator Authenticator { get; init; }

    internal required TurnMetrics Metrics { get; init; }

    internal required ILogger Logger { get; init; }

    internal required RelayPortPool? RelayV4 { get; init; }

    internal required RelayPortPool? RelayV6 { get; init; }

    internal required ExternalAddressMap External { get; init; }

    internal required PeerDataRelay PeerRelay { get; init; }

    /// <summary>Receives on the relay sockets (Linux x64); null: each relay runs its own async receive loop.</summary>
    internal RelayPoller? Poller { get; init; }

    internal ReservationTable Reservations { get; } = new();

    /// <summary>RFC 6062 peer data connections by CONNECTION-ID, across all TCP allocations.</summary>
    internal TcpConnectionRegistry TcpConnections { get; } = new();

    /// <summary>A duration in seconds as a TimeProvider timestamp delta.</summary>
    internal long Ticks(double seconds) => (long)(seconds * Time.TimestampFrequency);

    internal RelayPortPool? PoolFor(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? RelayV6 : RelayV4;

    /// <summary>
    /// The allocation of the request's 5-tuple, checked to belong to the same user; otherwise answers
    /// 437 Allocation Mismatch (RFC 8656 §8.2 and §9) or 441 Wrong Credentials (§7.1) and returns null.
    /// </summary>
    internal Allocation? OwnedAllocation(scoped in TurnRequest request, Credentials credentials)
    {
        if (!Allocations.TryGet(request.FiveTuple, out Allocation allocation) || request.Now >= allocation.Expires)
        {
            Responder.SendError(request, 437, "Allocation Mismatch", credentials);
            return null;
        }
        if (!string.Equals(allocation.Info.Username, credentials.Username, StringComparison.Ordinal))
        {
            Responder.SendError(request, 441, "Wrong Credentials", credentials);
            return null;
        }
        return allocation;
    }

    /// <summary>Closes an allocation removed from the table: stops its relay and logs why.</summary>
    internal async ValueTask CloseAsync(Allocation allocation, string reason)
    {
        if (allocation.Relay is { } relay)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }
        if (allocation.Tcp is { } tcp)
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
        }
        TurnLog.AllocationClosed(Logger, allocation.Info.RelayedAddress, allocation.Info.Username, reason);
    }
}
