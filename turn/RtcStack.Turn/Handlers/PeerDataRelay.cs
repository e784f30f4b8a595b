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
        long now = time.GetTimestamp();
        if (now >= allocation.Expires)
        {
            return;
        }
        TransportAddress peer = SocketAddressReader.Read(from);
        if (!allocation.HasPermission(peer, now))
        {
            metrics.NoPermission();
            return;
        }
        if (!allocation.ToClientLimit.TryConsume(length, now, time.TimestampFrequency))
        {
            metrics.OverCap();
            return;
        }
        ChannelBinding? channel = allocation.FindChannel(peer, now);
        IClientSink client = allocation.Client;
        if (channel is not null)
        {
            int start = UdpRelay.Headroom - StunConstants.ChannelDataHeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(start), channel.Number);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(start + 2), (ushort)length);
            int total = StunConstants.ChannelDataHeaderLength + length;
            if (client.IsStream)
            {
                int padded = (total + 3) & ~3;
                buffer.AsSpan(start + total, padded - total).Clear();
                total = padded;
            }
            client.Send(buffer.AsSpan(start, total));
        }
        else
        {
            SendDataIndication(client, buffer, length, peer);
        }
        metrics.RelayedToClient(length);
    }

    private void SendDataIndication(IClientSink client, byte[] buffer, int length, in TransportAddress peer)
    {
        // DATA's value must land exactly on the received payload: header 20, XOR-PEER-ADDRESS 4+8 or 4+20, DATA header 4.
        int prefix = StunConstants.HeaderLength + StunConstants.AttributeHeaderLength + 4 + peer.AddressLength + StunConstants.AttributeHeaderLength;
        int start = UdpRelay.Headroom - prefix;
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdLength];
        Random.Shared.NextBytes(transactionId);
        var writer = new StunMessageWriter(buffer.AsSpan(start), new StunMessageType(StunMethod.Data, StunClass.Indication), transactionId);
        writer.AddXorPeerAddress(peer);
        writer.Reserve(StunAttributeType.Data, length); // the payload is already there
        if (fingerprint)
        {
            writer.AddFingerprint();
        }
        if (writer.TryComplete(out int total))
        {
            client.Send(buffer.AsSpan(start, total));
        }
    }
}
