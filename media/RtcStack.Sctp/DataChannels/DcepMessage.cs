using System.Buffers.Binary;
using System.Text;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.DataChannels;

/// <summary>
/// Data Channel Establishment Protocol messages (RFC 8832 §5): DATA_CHANNEL_OPEN (0x03) with channel
/// type, priority, reliability parameter, label and protocol; DATA_CHANNEL_ACK (0x02).
/// </summary>
internal readonly ref struct DcepMessage
{
    public const byte TypeAck = 0x02;
    public const byte TypeOpen = 0x03;
    public const int OpenFixedLength = 12;

    private DcepMessage(byte type, byte channelType, ushort priority, uint reliability, ReadOnlySpan<byte> label, ReadOnlySpan<byte> protocol)
    {
        MessageType = type;
        ChannelType = channelType;
        Priority = priority;
        ReliabilityParameter = reliability;
        Label = label;
        Protocol = protocol;
    }

    public byte MessageType { get; }

    /// <summary>RFC 8832 §5.1: 0x00 reliable, 0x01 rexmit, 0x02 timed; +0x80 unordered.</summary>
    public byte ChannelType { get; }

    public ushort Priority { get; }

    public uint ReliabilityParameter { get; }

    public ReadOnlySpan<byte> Label { get; }

    public ReadOnlySpan<byte> Protocol { get; }

    public static SctpReadResult TryRead(ReadOnlySpan<byte> data, out DcepMessage message)
    {
        message = default;
        if (data.IsEmpty)
        {
            return SctpReadResult.TooShort;
        }

        if (data[0] == TypeAck)
        {
            message = new DcepMessage(TypeAck, 0, 0, 0, default, default);
            return SctpReadResult.Ok;
        }

        if (data[0] != TypeOpen)
        {
            return SctpReadResult.BadValue;
        }

        if (data.Length < OpenFixedLength)
        {
            return SctpReadResult.TooShort;
        }

        byte channelType = data[1];
        if ((channelType & 0x7F) > 2)
        {
            return SctpReadResult.BadValue;
        }

        int labelLength = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        int protocolLength = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        if (data.Length < OpenFixedLength + labelLength + protocolLength)
        {
            return SctpReadResult.BadParameterLength;
        }

        message = new DcepMessage(
            TypeOpen,
            channelType,
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            data.Slice(OpenFixedLength, labelLength),
            data.Slice(OpenFixedLength + labelLength, protocolLength));
        return SctpReadResult.Ok;
    }

    /// <summary>Builds a DATA_CHANNEL_OPEN message.</summary>
    public static byte[] CreateOpen(byte channelType, ushort priority, uint reliability, string label, string protocol)
    {
        int labelLength = Encoding.UTF8.GetByteCount(label);
        int protocolLength = Encoding.UTF8.GetByteCount(protocol);
        byte[] data = new byte[OpenFixedLength + labelLength + protocolLength];
        data[0] = TypeOpen;
        data[1] = channelType;
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), priority);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), reliability);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(8), (ushort)labelLength);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), (ushort)protocolLength);
        Encoding.UTF8.GetBytes(label, data.AsSpan(OpenFixedLength));
        Encoding.UTF8.GetBytes(protocol, data.AsSpan(OpenFixedLength + labelLength));
        return data;
    }

    public static byte[] CreateAck() => [TypeAck];
}
