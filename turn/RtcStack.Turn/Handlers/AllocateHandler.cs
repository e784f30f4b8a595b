using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>Allocate (RFC 8656 §7.2), one step per method; RFC 6156 address families.</summary>
internal sealed class AllocateHandler(TurnState state)
{
    /// <summary>REQUESTED-TRANSPORT protocol number for UDP (RFC 8656 §18.7).</summary>
    private const byte Udp = 17;

    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        Responder responder = state.Responder;
        // §7.2 step 2: the 5-tuple already has an allocation (a retransmission was answered from the cache).
        if (state.Allocations.TryGet(request.FiveTuple, out Allocation? existing))
        {
            if (request.Now >= existing.Expires && state.Allocations.Remove(existing))
            {
                // Expired but not swept yet: it is gone (RFC 8656 §7.2 step 2 only protects live allocations).
                _ = state.CloseAsync(existing, "expired").AsTask();
                Handle(request, credentials);
                return;
            }
            responder.SendError(request, 437, "Allocation Mismatch", credentials.Key);
            return;
        }
        if (!CheckTransport(request, credentials) || !TryChooseFamily(request, credentials, out AddressFamily family, out bool dualRequested))
        {
            return;
        }
        if (!CheckQuota(request, credentials))
        {
            return;
        }
        if (!TryAcquireRelay(request, family, out Socket? socket, out RelayPortPool? pool, out ulong? token))
        {
            state.Allocations.Release(credentials.QuotaUser);
            TurnLog.AllocationRefused(state.Logger, credentials.QuotaUser, "no relay port (range exhausted or reservation unknown)");
            state.Responder.SendError(request, 508, "Insufficient Capacity", credentials.Key);
            return;
        }
        Create(request, credentials, socket, pool, family, dualRequested, token);
    }

    /// <summary>
    /// §7.2 steps 5-6 and 10: a port reserved by RESERVATION-TOKEN, an even port (EVEN-PORT; with the R bit the
    /// next port is reserved and its token returned), or any port of the range.
    /// </summary>
    private bool TryAcquireRelay(scoped in TurnRequest request, AddressFamily family,
        [NotNullWhen(true)] out Socket? socket, [NotNullWhen(true)] out RelayPortPool? pool, out ulong? token)
    {
        token = null;
        socket = null;
        pool = state.PoolFor(family)!;
        if (request.Message.TryGetReservationToken(out ulong reserved))
        {
            (Socket Socket, RelayPortPool Pool)? taken = state.Reservations.Take(reserved, request.Now);
            (socket, pool) = taken is { } t ? (t.Socket, t.Pool) : (null, pool);
            return socket is not null;
        }
        if (!request.Message.TryGetEvenPort(out bool reserveNext))
        {
            socket = pool.TryBind();
            return socket is not null;
        }
        if (!reserveNext)
        {
            socket = pool.TryBind(evenPort: true);
            return socket is not null;
        }
        if (!pool.TryBindPair(out socket, out Socket? odd))
        {
            return false;
        }
        token = state.Reservations.Add(odd, pool, request.Now + state.Ticks(ReservationTable.LifetimeSeconds));
        return true;
    }

    /// <summary>§7.2 step 3: REQUESTED-TRANSPORT must be present and UDP (RFC 6062 TCP is not offered: 442).</summary>
    private bool CheckTransport(scoped in TurnRequest request, Credentials credentials)
    {
        if (!request.Message.TryGetRequestedTransport(out byte protocol))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials.Key);
            return false;
        }
        if (protocol != Udp)
        {
            state.Responder.SendError(request, 442, "Unsupported Transport Protocol", credentials.Key);
            return false;
        }
        if (request.Message.Contains(StunAttributeType.ReservationToken)
            && (request.Message.Contains(StunAttributeType.EvenPort) || request.Message.Contains(StunAttributeType.RequestedAddressFamily)))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials.Key);
            return false;
        }
        return true;
    }

    /// <summary>§7.2 steps 5-7 and RFC 6156 §4.2: REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY.</summary>
    private bool TryChooseFamily(scoped in TurnRequest request, Credentials credentials, out AddressFamily family, out bool dual)
    {
        family = AddressFamily.InterNetwork;
        dual = false;
        StunMessageReader m = request.Message;
        bool hasRequested = m.Contains(StunAttributeType.RequestedAddressFamily);
        bool hasAdditional = m.Contains(StunAttributeType.AdditionalAddressFamily);
        if (hasRequested && hasAdditional)
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials.Key);
            return false;
        }
        if (hasAdditional)
        {
            if (!m.TryGetAdditionalAddressFamily(out StunAddressFamily extra) || extra != StunAddressFamily.IPv6)
            {
                state.Responder.SendError(request, 400, "Bad Request", credentials.Key);
                return false;
            }
            dual = true;
        }
        if (hasRequested)
        {
            if (!m.TryGetRequestedAddressFamily(out StunAddressFamily requested)
                || requested is not (StunAddressFamily.IPv4 or StunAddressFamily.IPv6))
            {
                state.Responder.SendError(request, 400, "Bad Request", credentials.Key);
                return false;
            }
            family = requested == StunAddressFamily.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        }
        if (state.PoolFor(family) is null)
        {
            state.Responder.SendError(request, 440, "Address Family not Supported", credentials.Key);
            return false;
        }
        return true;
    }

    /// <summary>§7.2 step 9: user-quota and total-quota (486 Allocation Quota Reached).</summary>
    private bool CheckQuota(scoped in TurnRequest request, Credentials credentials)
    {
        QuotaResult quota = state.Allocations.TryReserve(credentials.QuotaUser);
        if (quota == QuotaResult.Reserved)
        {
            return true;
        }
        TurnLog.AllocationRefused(state.Logger, credentials.QuotaUser, quota.ToString());
        state.Responder.SendError(request, 486, "Allocation Quota Reached", credentials.Key);
        return false;
    }

    private void Create(scoped in TurnRequest request, Credentials credentials, Socket socket, RelayPortPool pool, AddressFamily family, bool dualRequested, ulong? token)
    {
        var relay = new UdpRelay(socket, pool);
        IPAddress advertised = state.External.Advertised(relay.LocalAddress.ToIPAddress());
        var relayed = new TransportAddress(advertised, relay.LocalAddress.Port);
        int lifetime = Lifetimes.Desired(request.Message, state.Options);
        var info = new AllocationInfo(request.FiveTuple, credentials.Username, credentials.QuotaUser, credentials.Key,
            request.Message.TransactionId, relayed);
        var allocation = new Allocation(info, request.Endpoint.Persist(), relay, request.Now + state.Ticks(lifetime),
            state.Options.MaxBytesPerSecond, request.Now);
        if (!state.Allocations.TryAdd(allocation))
        {
            state.Allocations.Release(credentials.QuotaUser);
            _ = relay.DisposeAsync();
            state.Responder.SendError(request, 437, "Allocation Mismatch", credentials.Key);
            return;
        }
        relay.Start(allocation, state.PeerRelay, state.Logger, state.Poller);
        state.Metrics.AllocationCreated();
        TurnLog.AllocationCreated(state.Logger, credentials.Username, request.FiveTuple, relayed, lifetime);

        StunMessageWriter writer = state.Responder.Success(request);
        writer.AddXorRelayedAddress(relayed);
        if (dualRequested && family == AddressFamily.InterNetwork)
        {
            // RFC 6156 / RFC 8656 §7.2: the second family could not be allocated alongside.
            writer.AddAddressErrorCode(StunAddressFamily.IPv6, 440, "Address Family not Supported");
        }
        writer.AddLifetime((uint)lifetime);
        if (token is { } reservation)
        {
            writer.AddReservationToken(reservation);
        }
        writer.AddXorMappedAddress(request.FiveTuple.Client);
        state.Responder.Send(request, ref writer, credentials.Key);
    }
}
