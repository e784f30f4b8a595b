using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>DATA chunk (RFC 9260 §3.3.1): TSN, stream, SSN, PPID and a user-data fragment.</summary>
internal readonly ref struct DataChunk
{
    public const byte FlagEnd = 0x01;
    public const byte FlagBeginning = 0x02;
    public const byte FlagUnordered = 0x04;
    public const byte FlagImmediate = 0x08;

    /// <summary>Value bytes before the user data.</summary>
    public const int HeaderLength = 12;

    private DataChunk(byte flags, uint tsn, ushort streamId, ushort ssn, uint ppid, ReadOnlySpan<byte> userData)
    {
        Flags = flags;
        Tsn = tsn;
        StreamId = streamId;
        StreamSequenceNumber = ssn;
        PayloadProtocolId = ppid;
        UserData = userData;
    }

    public byte Flags { get; }

    public uint Tsn { get; }

    public ushort StreamId { get; }

    public ushort StreamSequenceNumber { get; }

    public uint PayloadProtocolId { get; }

    public ReadOnlySpan<byte> UserData { get; }

    public bool IsBeginning => (Flags & FlagBeginning) != 0;

    public bool IsEnd => (Flags & FlagEnd) != 0;

    public bool IsUnordered => (Flags & FlagUnordered) != 0;

    /// <summary>A DATA chunk with no user data is invalid (RFC 9260 §3.3.1, "No User Data").</summary>
    public static SctpReadResult TryRead(byte flags, ReadOnlySpan<byte> value, out DataChunk chunk)
    {
        chunk = default;
        if (value.Length < HeaderLength)
        {
            return SctpReadResult.TooShort;
        }

        if (value.Length == HeaderLength)
        {
            return SctpReadResult.BadValue;
        }

        chunk = new DataChunk(
            flags,
            BinaryPrimitives.ReadUInt32BigEndian(value),
            BinaryPrimitives.ReadUInt16BigEndian(value[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(value[6..]),
            BinaryPrimitives.ReadUInt32BigEndian(value[8..]),
            value[HeaderLength..]);
        return SctpReadResult.Ok;
    }

    /// <summary>Writes the DATA value (header and user data) into <paramref name="value"/>.</summary>
    public static void Write(Span<byte> value, uint tsn, ushort streamId, ushort ssn, uint ppid, ReadOnlySpan<byte> userData)
    {
        BinaryPrimitives.WriteUInt32BigEndian(value, tsn);
        BinaryPrimitives.WriteUInt16BigEndian(value[4..], streamId);
        BinaryPrimitives.WriteUInt16BigEndian(value[6..], ssn);
        BinaryPrimitives.WriteUInt32BigEndian(value[8..], ppid);
        userData.CopyTo(value[HeaderLength..]);
    }
}
