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
    /// <summary>REQUESTED-TRANSPORT protocol numbers: UDP (RFC 8656 §18.7) and TCP (RFC 6062 §6.1).</summary>
    private const byte Udp = 17, Tcp = 6;

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
            responder.SendError(request, 437, "Allocation Mismatch", credentials);
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
        if (request.Message.TryGetRequestedTransport(out byte protocol) && protocol == Tcp)
        {
            CreateTcp(request, credentials, family, dualRequested);
            return;
        }
        if (!TryAcquireRelay(request, family, out Socket? socket, out RelayPortPool? pool, out ulong? token))
        {
            state.Allocations.Release(credentials.QuotaUser);
            TurnLog.AllocationRefused(state.Logger, credentials.QuotaUser, "no relay port (range exhausted or reservation unknown)");
            state.Responder.SendError(request, 508, "Insufficient Capacity", credentials);
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

    /// <summary>
    /// §7.2 step 3: REQUESTED-TRANSPORT must be present and UDP or TCP, else 442. RFC 6062 §5.1: TCP only over a TCP
    /// or TLS connection and without DONT-FRAGMENT, EVEN-PORT or RESERVATION-TOKEN, else 400.
    /// </summary>
    private bool CheckTransport(scoped in TurnRequest request, Credentials credentials)
    {
        if (!request.Message.TryGetRequestedTransport(out byte protocol))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return false;
        }
        if (protocol is not (Udp or Tcp) || (protocol == Tcp && !state.Options.EnableTcpRelay))
        {
            state.Responder.SendError(request, 442, "Unsupported Transport Protocol", credentials);
            return false;
        }
        if (protocol == Udp && !state.Options.EnableUdpRelay)
        {
            state.Responder.SendError(request, 403, "Forbidden", credentials);
            return false;
        }
        if (protocol == Tcp && (!request.Endpoint.IsStream || request.Message.Contains(StunAttributeType.DontFragment)
            || request.Message.Contains(StunAttributeType.EvenPort) || request.Message.Contains(StunAttributeType.ReservationToken)))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return false;
        }
        if (request.Message.Contains(StunAttributeType.ReservationToken)
            && (request.Message.Contains(StunAttributeType.EvenPort) || request.Message.Contains(StunAttributeType.RequestedAddressFamily)))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
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
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return false;
        }
        if (hasAdditional)
        {
            if (!m.TryGetAdditionalAddressFamily(out StunAddressFamily extra) || extra != StunAddressFamily.IPv6)
            {
                state.Responder.SendError(request, 400, "Bad Request", credentials);
                return false;
            }
            dual = true;
        }
        if (hasRequested)
        {
            if (!m.TryGetRequestedAddressFamily(out StunAddressFamily requested)
                || requested is not (StunAddressFamily.IPv4 or StunAddressFamily.IPv6))
            {
                state.Responder.SendError(request, 400, "Bad Request", credentials);
                return false;
            }
            family = requested == StunAddressFamily.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        }
        if (state.PoolFor(family) is null)
        {
            state.Responder.SendError(request, 440, "Address Family not Supported", credentials);
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
        state.Responder.SendError(request, 486, "Allocation Quota Reached", credentials);
        return false;
    }

    private void Create(scoped in TurnRequest request, Credentials credentials, Socket socket, RelayPortPool pool, AddressFamily family, bool dualRequested, ulong? token)
    {
        var relay = new UdpRelay(socket, pool);
        int lifetime = Lifetimes.Desired(request.Message, state.Options);
        var allocation = new Allocation(Info(request, credentials, relay.LocalAddress), request.Endpoint.Persist(), relay,
            request.Now + state.Ticks(lifetime), state.Options.MaxBytesPerSecond, request.Now);
        if (!TryAdd(request, credentials, allocation))
        {
            _ = relay.DisposeAsync();
            return;
        }
        relay.Start(allocation, state);
        if (state.Options.ReportIcmp && relay.PollFd >= 0)
        {
            relay.Icmp = new IcmpReporter(allocation, state); // before the error queue exists: the poller needs it on EPOLLERR
            _ = IcmpReporter.TryEnable(relay.Socket);
        }
        Respond(request, credentials, allocation, lifetime, family, dualRequested, token);
    }

    /// <summary>RFC 6062 §5.1 steps 4-5: a listening TCP socket on the relayed address; no RESERVATION-TOKEN.</summary>
    private void CreateTcp(scoped in TurnRequest request, Credentials credentials, AddressFamily family, bool dualRequested)
    {
        RelayPortPool pool = state.PoolFor(family)!;
        if (pool.TryBindTcp() is not { } listener)
        {
            state.Allocations.Release(credentials.QuotaUser);
            TurnLog.AllocationRefused(state.Logger, credentials.QuotaUser, "no relay port (range exhausted)");
            state.Responder.SendError(request, 508, "Insufficient Capacity", credentials);
            return;
        }
        var tcp = new TcpRelay(listener, pool);
        int lifetime = Lifetimes.Desired(request.Message, state.Options);
        var allocation = new Allocation(Info(request, credentials, tcp.LocalAddress), request.Endpoint.Persist(), tcp,
            request.Now + state.Ticks(lifetime), state.Options.MaxBytesPerSecond, request.Now);
        if (!TryAdd(request, credentials, allocation))
        {
            _ = tcp.DisposeAsync();
            return;
        }
        tcp.Start(allocation, state);
        Respond(request, credentials, allocation, lifetime, family, dualRequested, token: null);
    }

    private AllocationInfo Info(scoped in TurnRequest request, Credentials credentials, TransportAddress local)
    {
        IPAddress advertised = state.External.Advertised(local.ToIPAddress());
        return new AllocationInfo(request.FiveTuple, credentials.Username, credentials.QuotaUser, credentials.Key,
            request.Message.TransactionId, new TransportAddress(advertised, local.Port));
    }

    private bool TryAdd(scoped in TurnRequest request, Credentials credentials, Allocation allocation)
    {
        if (state.Allocations.TryAdd(allocation))
        {
            return true;
        }
        state.Allocations.Release(credentials.QuotaUser);
        state.Responder.SendError(request, 437, "Allocation Mismatch", credentials);
        return false;
    }

    private void Respond(scoped in TurnRequest request, Credentials credentials, Allocation allocation, int lifetime,
        AddressFamily family, bool dualRequested, ulong? token)
    {
        TransportAddress relayed = allocation.Info.RelayedAddress;
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
        state.Responder.Send(request, ref writer, credentials);
    }
}
