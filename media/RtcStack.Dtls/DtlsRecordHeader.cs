using System.Buffers.Binary;

namespace RtcStack.Dtls;

/// <summary>
/// A DTLS 1.0/1.2 record header (RFC 6347 §4.1): type(1) version(2) epoch(2) sequence(6) length(2).
/// Read with <see cref="TryRead"/>; <see cref="Validate"/> walks every record of a datagram.
/// </summary>
public readonly ref struct DtlsRecordHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 13;

    private DtlsRecordHeader(ReadOnlySpan<byte> header)
    {
        ContentType = header[0];
        Version = BinaryPrimitives.ReadUInt16BigEndian(header[1..]);
        Epoch = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        SequenceNumber = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(header[5..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(header[7..]);
        FragmentLength = BinaryPrimitives.ReadUInt16BigEndian(header[11..]);
    }

    /// <summary>20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat, 25 tls12_cid.</summary>
    public byte ContentType { get; }

    /// <summary>0xFEFF (DTLS 1.0) or 0xFEFD (DTLS 1.2).</summary>
    public ushort Version { get; }

    /// <summary>The epoch.</summary>
    public ushort Epoch { get; }

    /// <summary>The 48-bit sequence number.</summary>
    public ulong SequenceNumber { get; }

    /// <summary>Length of the fragment that follows the header.</summary>
    public ushort FragmentLength { get; }

    /// <summary>Reads the header at the start of <paramref name="data"/>.</summary>
    public static DtlsRecordResult TryRead(ReadOnlySpan<byte> data, out DtlsRecordHeader header)
    {
        header = default;
        if (data.Length < Length)
        {
            return data.IsEmpty ? DtlsRecordResult.Empty : DtlsRecordResult.Truncated;
        }
        header = new DtlsRecordHeader(data);
        if (header.ContentType is < 20 or > 25)
        {
            return DtlsRecordResult.BadContentType;
        }
        if ((header.Version >> 8) != 0xFE)
        {
            return DtlsRecordResult.BadVersion;
        }
        return data.Length < Length + header.FragmentLength ? DtlsRecordResult.Truncated : DtlsRecordResult.Ok;
    }

    /// <summary>Checks every record of a datagram and counts them.</summary>
    public static DtlsRecordResult Validate(ReadOnlySpan<byte> datagram, out int records)
    {
        records = 0;
        if (datagram.IsEmpty)
        {
            return DtlsRecordResult.Empty;
        }
        while (!datagram.IsEmpty)
        {
            var result = TryRead(datagram, out var header);
            if (result != DtlsRecordResult.Ok)
            {
                return result;
            }
            records++;
            datagram = datagram[(Length + header.FragmentLength)..];
        }
        return DtlsRecordResult.Ok;
    }
}
