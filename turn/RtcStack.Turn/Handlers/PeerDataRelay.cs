using System.Buffers.Binary;
using System.Net;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// Peer to client (RFC 8656 §11.3 and §12.6): a datagram that reached a relay socket is relayed only if a
/// permission covers the peer's IP; it goes as ChannelData when a channel is bound to the peer's transport
/// address, otherwise as a Data indication. The header is written in the headroom in front of the received
/// payload, so nothing is copied and nothing allocated.
/// </summary>
internal sealed class PeerDataRelay(TimeProvider time, TurnMetrics metrics, bool fingerprint)
{
    internal TurnMetrics Metrics => metrics;

    /// <summary>Handles <paramref name="length"/> bytes received at <see cref="UdpRelay.Headroom"/> in <paramref name="buffer"/>.</summary>
    internal void OnPeerDatagram(Allocation allocation, byte[] buffer, int length, SocketAddress from)
    {
        int total = Frame(allocation, buffer, length, from, out int start);
        if (total > 0)
        {
            allocation.Client.Send(buffer.AsSpan(start, total));
        }
    }

    /// <summary>
    /// Checks the permission and the bandwidth cap and writes the frame for the client (ChannelData header or Data
    /// indication) around the payload of <paramref name="length"/> bytes at <see cref="UdpRelay.Headroom"/> in
    /// <paramref name="slot"/>. Returns the frame's length (it starts at <paramref name="start"/>), or 0 to drop.
    /// The caller sends it to <see cref="Allocation.Client"/> (a batch sender may collect several).
    /// </summary>
    internal int Frame(Allocation allocation, Span<byte> slot, int length, SocketAddress from, out int start)
    {
        start = 0;
        long now = time.GetTimestamp();
        if (now >= allocation.Expires)
        {
            return 0;
        }
        TransportAddress peer = SocketAddressReader.Read(from);
        if (!allocation.HasPermission(peer, now))
        {
            metrics.NoPermission();
            return 0;
        }
        if (!allocation.ToClientLimit.TryConsume(length, now, time.TimestampFrequency))
        {
            metrics.OverCap();
            return 0;
        }
        ChannelBinding? channel = allocation.FindChannel(peer, now);
        int total;
        if (channel is not null)
        {
            start = UdpRelay.Headroom - StunConstants.ChannelDataHeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(slot[start..], channel.Number);
            BinaryPrimitives.WriteUInt16BigEndian(slot[(start + 2)..], (ushort)length);
            total = StunConstants.ChannelDataHeaderLength + length;
            if (allocation.Client.IsStream)
            {
                int padded = (total + 3) & ~3;
                slot.Slice(start + total, padded - total).Clear();
                total = padded;
            }
        }
        else
        {
            total = WriteDataIndication(slot, length, peer, out start);
        }
        if (total > 0)
        {
            metrics.RelayedToClient(length);
        }
        return total;
    }

    private int WriteDataIndication(Span<byte> slot, int length, in TransportAddress peer, out int start)
    {
        // DATA's value must land exactly on the received payload: header 20, XOR-PEER-ADDRESS 4+8 or 4+20, DATA header 4.
        int prefix = StunConstants.HeaderLength + StunConstants.AttributeHeaderLength + 4 + peer.AddressLength + StunConstants.AttributeHeaderLength;
        start = UdpRelay.Headroom - prefix;
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdLength];
        Random.Shared.NextBytes(transactionId);
        var writer = new StunMessageWriter(slot[start..], new StunMessageType(StunMethod.Data, StunClass.Indication), transactionId);
        writer.AddXorPeerAddress(peer);
        writer.Reserve(StunAttributeType.Data, length); // the payload is already there
        if (fingerprint)
        {
            writer.AddFingerprint();
        }
        return writer.TryComplete(out int total) ? total : 0;
    }
}
