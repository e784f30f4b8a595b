using System.Buffers.Binary;

namespace RtcStack.Rtp;

/// <summary>
/// A read-only view of an RTP packet (RFC 3550 §5.1) with its header extension (RFC 8285).
/// Never copies, never allocates, never throws on bad input: <see cref="TryRead"/> returns a result.
/// </summary>
public readonly ref struct RtpPacket
{
    /// <summary>Size of the fixed header (RFC 3550 §5.1).</summary>
    public const int FixedHeaderLength = 12;

    /// <summary>"defined by profile" value of the one-byte header extension form (RFC 8285 §4.2).</summary>
    public const ushort OneByteExtensionProfile = 0xBEDE;

    /// <summary>"defined by profile" value of the two-byte form, low 4 bits are appbits (RFC 8285 §4.3).</summary>
    public const ushort TwoByteExtensionProfile = 0x1000;

    private readonly int _extensionDataOffset;
    private readonly int _extensionDataLength;

    private RtpPacket(ReadOnlySpan<byte> data, int headerLength, int extensionDataOffset, int extensionDataLength, int paddingLength)
    {
        Data = data;
        HeaderLength = headerLength;
        _extensionDataOffset = extensionDataOffset;
        _extensionDataLength = extensionDataLength;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Fixed header + CSRCs + header extension, in bytes.</summary>
    public int HeaderLength { get; }

    /// <summary>Number of padding bytes at the end (0 when the P bit is clear).</summary>
    public int PaddingLength { get; }

    /// <summary>The P bit.</summary>
    public bool HasPadding => (Data[0] & 0x20) != 0;

    /// <summary>The X bit.</summary>
    public bool HasExtension => (Data[0] & 0x10) != 0;

    /// <summary>CC: the number of CSRC identifiers.</summary>
    public int CsrcCount => Data[0] & 0x0F;

    /// <summary>The M bit.</summary>
    public bool Marker => (Data[1] & 0x80) != 0;

    /// <summary>PT, 7 bits.</summary>
    public byte PayloadType => (byte)(Data[1] & 0x7F);

    /// <summary>The sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Data[2..]);

    /// <summary>The RTP timestamp.</summary>
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(Data[4..]);

    /// <summary>The synchronization source.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Data[8..]);

    /// <summary>The "defined by profile" field of the header extension, or 0 when there is none.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(Data[(_extensionDataOffset - 4)..]) : (ushort)0;

    /// <summary>The header extension body (after its 4-byte preamble), empty when there is none.</summary>
    public ReadOnlySpan<byte> ExtensionData => Data.Slice(_extensionDataOffset, _extensionDataLength);

    /// <summary>Offset of <see cref="ExtensionData"/> from the start of the packet.</summary>
    public int ExtensionDataOffset => _extensionDataOffset;

    /// <summary>The payload, without padding.</summary>
    public ReadOnlySpan<byte> Payload => Data[HeaderLength..(Data.Length - PaddingLength)];

    /// <summary>The header extension elements (RFC 8285), empty for other profiles.</summary>
    public RtpExtensionEnumerator Extensions => new(ExtensionData, ExtensionProfile, _extensionDataOffset);

    /// <summary>Reads CSRC number <paramref name="index"/> (0-based, below <see cref="CsrcCount"/>).</summary>
    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(Data[(FixedHeaderLength + (4 * index))..]);
    }

    /// <summary>Finds the extension element with <paramref name="id"/> (RFC 8285).</summary>
    public bool TryGetExtension(int id, out ReadOnlySpan<byte> value)
    {
        foreach (var element in Extensions)
        {
            if (element.Id == id)
            {
                value = element.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Finds the extension element with <paramref name="id"/> and returns where its value lies in the packet.</summary>
    public bool TryFindExtension(int id, out int valueOffset, out int valueLength)
    {
        foreach (var element in Extensions)
        {
            if (element.Id == id)
            {
                valueOffset = element.ValueOffset;
                valueLength = element.Value.Length;
                return true;
            }
        }

        valueOffset = 0;
        valueLength = 0;
        return false;
    }

    /// <summary>Reads a packet; padding is checked (use <see cref="TryGetHeaderLength"/> on encrypted packets).</summary>
    public static RtpReadResult TryRead(ReadOnlySpan<byte> data, out RtpPacket packet)
    {
        packet = default;
        var result = ReadHeader(data, out var headerLength, out var extOffset, out var extLength);
        if (result != RtpReadResult.Ok)
        {
            return result;
        }

        var padding = 0;
        if ((data[0] & 0x20) != 0)
        {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            padding = data[^1];
            if (padding == 0 || padding > data.Length - headerLength)
            {
                return RtpReadResult.BadPadding;
            }
        }

        packet = new RtpPacket(data, headerLength, extOffset, extLength, padding);
        return RtpReadResult.Ok;
    }

    /// <summary>Length of the header (fixed + CSRCs + extension) without looking at padding or payload.</summary>
    public static RtpReadResult TryGetHeaderLength(ReadOnlySpan<byte> data, out int headerLength)
        => ReadHeader(data, out headerLength, out _, out _);

    private static RtpReadResult ReadHeader(ReadOnlySpan<byte> data, out int headerLength, out int extOffset, out int extLength)
    {
        headerLength = 0;
        extOffset = 0;
        extLength = 0;
        if (data.Length < FixedHeaderLength)
        {
            return RtpReadResult.TooShort;
        }

        if (data[0] >> 6 != 2)
        {
            return RtpReadResult.BadVersion;
        }

        var length = FixedHeaderLength + (4 * (data[0] & 0x0F));
        if (length > data.Length)
        {
            return RtpReadResult.TruncatedCsrc;
        }

        extOffset = length;
        if ((data[0] & 0x10) != 0)
        {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the body.
            if (length + 4 > data.Length)
            {
                return RtpReadResult.TruncatedExtension;
            }

            extLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(data[(length + 2)..]);
            extOffset = length + 4;
            length = extOffset + extLength;
            if (length > data.Length)
            {
                return RtpReadResult.TruncatedExtension;
            }
        }

        headerLength = length;
        return RtpReadResult.Ok;
    }
}
