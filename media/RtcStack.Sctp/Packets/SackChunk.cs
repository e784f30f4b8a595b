using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>SACK chunk (RFC 9260 §3.3.4): cumulative TSN ack, a_rwnd, gap ack blocks, duplicate TSNs.</summary>
internal readonly ref struct SackChunk
{
    public const int FixedLength = 12;

    private readonly ReadOnlySpan<byte> _value;

    private SackChunk(ReadOnlySpan<byte> value, int gaps, int dups)
    {
        _value = value;
        GapBlockCount = gaps;
        DuplicateCount = dups;
    }

    public uint CumulativeTsnAck => BinaryPrimitives.ReadUInt32BigEndian(_value);

    public uint AdvertisedReceiverWindow => BinaryPrimitives.ReadUInt32BigEndian(_value[4..]);

    public int GapBlockCount { get; }

    public int DuplicateCount { get; }

    /// <summary>Gap block <paramref name="index"/> as offsets from the cumulative TSN ack.</summary>
    public (ushort Start, ushort End) GetGapBlock(int index)
    {
        ReadOnlySpan<byte> b = _value[(FixedLength + (index * 4))..];
        return (BinaryPrimitives.ReadUInt16BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[2..]));
    }

    public uint GetDuplicate(int index) =>
        BinaryPrimitives.ReadUInt32BigEndian(_value[(FixedLength + (GapBlockCount * 4) + (index * 4))..]);

    public static SctpReadResult TryRead(ReadOnlySpan<byte> value, out SackChunk chunk)
    {
        chunk = default;
        if (value.Length < FixedLength)
        {
            return SctpReadResult.TooShort;
        }

        int gaps = BinaryPrimitives.ReadUInt16BigEndian(value[8..]);
        int dups = BinaryPrimitives.ReadUInt16BigEndian(value[10..]);
        if (value.Length < FixedLength + (4 * (gaps + dups)))
        {
            return SctpReadResult.BadChunkLength;
        }

        for (int i = 0; i < gaps; i++)
        {
            ReadOnlySpan<byte> b = value[(FixedLength + (i * 4))..];
            ushort start = BinaryPrimitives.ReadUInt16BigEndian(b);
            ushort end = BinaryPrimitives.ReadUInt16BigEndian(b[2..]);
            if (start == 0 || end < start)
            {
                return SctpReadResult.BadValue;
            }
        }

        chunk = new SackChunk(value, gaps, dups);
        return SctpReadResult.Ok;
    }

    public static int ValueLength(int gaps, int dups) => FixedLength + (4 * (gaps + dups));

    /// <summary>Writes the fixed part; gap blocks and duplicates follow via <see cref="WriteGapBlock"/> and <see cref="WriteDuplicate"/>.</summary>
    public static void WriteHeader(Span<byte> value, uint cumTsn, uint rwnd, int gaps, int dups)
    {
        BinaryPrimitives.WriteUInt32BigEndian(value, cumTsn);
        BinaryPrimitives.WriteUInt32BigEndian(value[4..], rwnd);
        BinaryPrimitives.WriteUInt16BigEndian(value[8..], (ushort)gaps);
        BinaryPrimitives.WriteUInt16BigEndian(value[10..], (ushort)dups);
    }

    public static void WriteGapBlock(Span<byte> value, int index, ushort start, ushort end)
    {
        Span<byte> b = value[(FixedLength + (index * 4))..];
        BinaryPrimitives.WriteUInt16BigEndian(b, start);
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], end);
    }

    public static void WriteDuplicate(Span<byte> value, int gaps, int index, uint tsn) =>
        BinaryPrimitives.WriteUInt32BigEndian(value[(FixedLength + (gaps * 4) + (index * 4))..], tsn);
}
