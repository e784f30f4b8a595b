using System.Buffers.Binary;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// ChannelData from the client (RFC 8656 §12.5): relay the data to the channel's peer when the channel is
/// bound and its peer still has a permission; otherwise drop. The hot path: no allocation, no lock.
/// </summary>
internal sealed class ChannelDataHandler(TurnState state)
{
    internal void Handle(in FiveTuple fiveTuple, ReadOnlySpan<byte> frame, long now, IngressState ingress)
    {
        // RFC 8656 §12.4: channel number, length, data, padding to 4 bytes at most (numbers per ChannelBinding).
        if (frame.Length < StunConstants.ChannelDataHeaderLength)
        {
            state.Metrics.Malformed();
            return;
        }
        ushort number = BinaryPrimitives.ReadUInt16BigEndian(frame);
        int length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
        int end = StunConstants.ChannelDataHeaderLength + length;
        if (!ChannelBinding.IsValidNumber(number) || frame.Length < end || frame.Length > ((end + 3) & ~3))
        {
            state.Metrics.Malformed();
            return;
        }
        if (!state.Allocations.TryGet(fiveTuple, out Allocation allocation) || now >= allocation.Expires)
        {
            state.Metrics.NoPermission();
            return;
        }
        ChannelBinding? channel = allocation.FindChannel(number, now);
        if (channel is null || allocation.Relay is not { } relay || !allocation.HasPermission(channel.Peer, now))
        {
            state.Metrics.NoPermission();
            return;
        }
        ReadOnlySpan<byte> data = frame[StunConstants.ChannelDataHeaderLength..end];
        if (!allocation.ToPeerLimit.TryConsume(data.Length, now, state.Time.TimestampFrequency))
        {
            state.Metrics.OverCap();
            return;
        }
        relay.Send(data, channel.PeerSocketAddress, ingress.PeerSends);
        state.Metrics.RelayedToPeer(data.Length);
    }
}
