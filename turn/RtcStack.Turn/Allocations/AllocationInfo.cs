using RtcStack.Stun;

namespace RtcStack.Turn.Allocations;

/// <summary>What an allocation was created with (immutable).</summary>
/// <param name="FiveTuple">The client 5-tuple that owns it.</param>
/// <param name="Username">USERNAME that authenticated the Allocate; later requests must use the same.</param>
/// <param name="QuotaUser">The user counted against user-quota (the user part of a REST name).</param>
/// <param name="Key">Long-term key (RFC 8489 §9.2.2) used to sign responses.</param>
/// <param name="AllocateTransactionId">Transaction of the Allocate (a retransmission gets the same answer).</param>
/// <param name="RelayedAddress">XOR-RELAYED-ADDRESS as advertised (external-ip applied).</param>
internal sealed record AllocationInfo(
    FiveTuple FiveTuple,
    string Username,
    string QuotaUser,
    byte[] Key,
    TransactionId AllocateTransactionId,
    TransportAddress RelayedAddress);
