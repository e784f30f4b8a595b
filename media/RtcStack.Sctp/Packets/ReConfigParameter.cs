using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// One parameter of a RE-CONFIG chunk (RFC 6525 §4): Outgoing SSN Reset Request (13), Incoming SSN
/// Reset Request (14), Re-configuration Response (16); other request types are read only by type and
/// request sequence number so they can be answered "Denied".
/// </summary>
internal readonly ref struct ReConfigParameter
{
    public const ushort OutgoingSsnResetRequest = 13;
    public const ushort IncomingSsnResetRequest = 14;
    public const ushort SsnTsnResetRequest = 15;
    public const ushort ReConfigurationResponse = 16;
    public const ushort AddOutgoingStreamsRequest = 17;
    public const ushort AddIncomingStreamsRequest = 18;

    private readonly ReadOnlySpan<byte> _streams;

    private ReConfigParameter(ushort type, uint seq, uint second, uint third, ReadOnlySpan<byte> streams)
    {
        Type = type;
        RequestSequenceNumber = seq;
        ResponseSequenceNumber = seq;
        Second = second;
        Third = third;
        _streams = streams;
    }

    public ushort Type { get; }

    /// <summary>Re-configuration Request Sequence Number (requests), or Response Sequence Number (16).</summary>
    public uint RequestSequenceNumber { get; }

    public uint ResponseSequenceNumber { get; }

    /// <summary>Type 13: Re-configuration Response Sequence Number. Type 16: Result.</summary>
    public uint Second { get; }

    /// <summary>Type 13: Sender's Last Assigned TSN.</summary>
    public uint Third { get; }

    public int StreamCount => _streams.Length / 2;

    public ushort GetStream(int index) => BinaryPrimitives.ReadUInt16BigEndian(_streams[(index * 2)..]);

    /// <summary>Parses one parameter given its type and value (from <see cref="SctpParameterEnumerator"/>).</summary>
    public static SctpReadResult TryRead(ushort type, ReadOnlySpan<byte> value, out ReConfigParameter parameter)
    {
        parameter = default;
        int fixedLength = type switch
        {
            OutgoingSsnResetRequest => 12,
            ReConfigurationResponse => 8,
            _ => 4,
        };
        if (value.Length < fixedLength)
        {
            return SctpReadResult.TooShort;
        }

        uint seq = BinaryPrimitives.ReadUInt32BigEndian(value);
        uint second = fixedLength >= 8 ? BinaryPrimitives.ReadUInt32BigEndian(value[4..]) : 0;
        uint third = fixedLength >= 12 ? BinaryPrimitives.ReadUInt32BigEndian(value[8..]) : 0;
        ReadOnlySpan<byte> streams = type is OutgoingSsnResetRequest or IncomingSsnResetRequest ? value[fixedLength..] : default;
        if (streams.Length % 2 != 0)
        {
            return SctpReadResult.BadParameterLength;
        }

        parameter = new ReConfigParameter(type, seq, second, third, streams);
        return SctpReadResult.Ok;
    }

    public static int OutgoingRequestSize(int streams) => (4 + 12 + (2 * streams) + 3) & ~3;

    /// <summary>Writes an Outgoing SSN Reset Request parameter (RFC 6525 §4.1); returns bytes used.</summary>
    public static int WriteOutgoingRequest(Span<byte> destination, uint requestSeq, uint responseSeq, uint lastTsn, ReadOnlySpan<ushort> streams)
    {
        int valueLength = 12 + (2 * streams.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination, OutgoingSsnResetRequest);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(4 + valueLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], requestSeq);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], responseSeq);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], lastTsn);
        for (int i = 0; i < streams.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(16 + (2 * i))..], streams[i]);
        }

        int padded = (4 + valueLength + 3) & ~3;
        destination[(4 + valueLength)..padded].Clear();
        return padded;
    }

    public static int IncomingRequestSize(int streams) => (4 + 4 + (2 * streams) + 3) & ~3;

    /// <summary>Writes an Incoming SSN Reset Request parameter (RFC 6525 §4.2); returns bytes used.</summary>
    public static int WriteIncomingRequest(Span<byte> destination, uint requestSeq, ReadOnlySpan<ushort> streams)
    {
        int valueLength = 4 + (2 * streams.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination, IncomingSsnResetRequest);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(4 + valueLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], requestSeq);
        for (int i = 0; i < streams.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(8 + (2 * i))..], streams[i]);
        }

        int padded = (4 + valueLength + 3) & ~3;
        destination[(4 + valueLength)..padded].Clear();
        return padded;
    }

    public const int ResponseSize = 12;

    /// <summary>Writes a Re-configuration Response parameter without the optional TSNs (RFC 6525 §4.4).</summary>
    public static int WriteResponse(Span<byte> destination, uint responseSeq, ReConfigResult result)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, ReConfigurationResponse);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ResponseSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], responseSeq);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], (uint)result);
        return ResponseSize;
    }
}

/// <summary>Re-configuration Response results (RFC 6525 §4.4).</summary>
internal enum ReConfigResult : uint
{
    SuccessNothingToDo = 0,
    SuccessPerformed = 1,
    Denied = 2,
    ErrorWrongSsn = 3,
    ErrorRequestAlreadyInProgress = 4,
    ErrorBadSequenceNumber = 5,
    InProgress = 6,
}
