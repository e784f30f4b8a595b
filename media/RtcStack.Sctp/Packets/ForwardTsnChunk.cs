using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>FORWARD TSN chunk (RFC 3758 §3.2): new cumulative TSN and the (stream, SSN) pairs skipped.</summary>
internal readonly ref struct ForwardTsnChunk
{
    private readonly ReadOnlySpan<byte> _value;

    private ForwardTsnChunk(ReadOnlySpan<byte> value) => _value = value;

    public uint NewCumulativeTsn => BinaryPrimitives.ReadUInt32BigEndian(_value);

    public int StreamCount => (_value.Length - 4) / 4;

    public (ushort StreamId, ushort Ssn) GetStream(int index)
    {
        ReadOnlySpan<byte> s = _value[(4 + (index * 4))..];
        return (BinaryPrimitives.ReadUInt16BigEndian(s), BinaryPrimitives.ReadUInt16BigEndian(s[2..]));
    }

    public static SctpReadResult TryRead(ReadOnlySpan<byte> value, out ForwardTsnChunk chunk)
    {
        chunk = default;
        if (value.Length < 4)
        {
            return SctpReadResult.TooShort;
        }

        if ((value.Length - 4) % 4 != 0)
        {
            return SctpReadResult.BadChunkLength;
        }

        chunk = new ForwardTsnChunk(value);
        return SctpReadResult.Ok;
    }

    public static int ValueLength(int streams) => 4 + (4 * streams);

    public static void WriteHeader(Span<byte> value, uint newCumTsn) => BinaryPrimitives.WriteUInt32BigEndian(value, newCumTsn);

    public static void WriteStream(Span<byte> value, int index, ushort streamId, ushort ssn)
    {
        Span<byte> s = value[(4 + (index * 4))..];
        BinaryPrimitives.WriteUInt16BigEndian(s, streamId);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], ssn);
    }
}
