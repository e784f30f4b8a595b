using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// INIT and INIT ACK chunks (RFC 9260 §3.3.2, §3.3.3): fixed fields plus the optional parameters
/// this stack understands (State Cookie, Supported Extensions RFC 5061, Forward-TSN-Supported RFC 3758).
/// </summary>
internal readonly ref struct InitChunk
{
    public const int FixedLength = 16;
    public const ushort ParamStateCookie = 7;
    public const ushort ParamUnrecognized = 8;
    public const ushort ParamSupportedExtensions = 0x8008;
    public const ushort ParamForwardTsnSupported = 0xC000;

    private InitChunk(ReadOnlySpan<byte> value, ReadOnlySpan<byte> cookie, bool forwardTsn, bool reConfig, int unknownToReport)
    {
        InitiateTag = BinaryPrimitives.ReadUInt32BigEndian(value);
        AdvertisedReceiverWindow = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
        OutboundStreams = BinaryPrimitives.ReadUInt16BigEndian(value[8..]);
        InboundStreams = BinaryPrimitives.ReadUInt16BigEndian(value[10..]);
        InitialTsn = BinaryPrimitives.ReadUInt32BigEndian(value[12..]);
        StateCookie = cookie;
        SupportsForwardTsn = forwardTsn;
        SupportsReConfig = reConfig;
        UnrecognizedToReport = unknownToReport;
    }

    public uint InitiateTag { get; }

    public uint AdvertisedReceiverWindow { get; }

    public ushort OutboundStreams { get; }

    public ushort InboundStreams { get; }

    public uint InitialTsn { get; }

    /// <summary>The State Cookie parameter value (INIT ACK only); empty when absent.</summary>
    public ReadOnlySpan<byte> StateCookie { get; }

    public bool SupportsForwardTsn { get; }

    public bool SupportsReConfig { get; }

    /// <summary>Number of unrecognized parameters whose type asks to be reported (RFC 9260 §3.2.1).</summary>
    public int UnrecognizedToReport { get; }

    /// <summary>Parses the value of an INIT or INIT ACK chunk and validates RFC 9260 §3.3.2 rules.</summary>
    public static SctpReadResult TryRead(ReadOnlySpan<byte> value, out InitChunk chunk)
    {
        chunk = default;
        if (value.Length < FixedLength)
        {
            return SctpReadResult.TooShort;
        }

        uint tag = BinaryPrimitives.ReadUInt32BigEndian(value);
        ushort os = BinaryPrimitives.ReadUInt16BigEndian(value[8..]);
        ushort mis = BinaryPrimitives.ReadUInt16BigEndian(value[10..]);
        if (tag == 0 || os == 0 || mis == 0)
        {
            return SctpReadResult.BadValue;
        }

        ReadOnlySpan<byte> cookie = default;
        bool forwardTsn = false, reConfig = false;
        int report = 0;
        var parameters = new SctpParameterEnumerator(value[FixedLength..]);
        while (parameters.MoveNext())
        {
            ReadOnlySpan<byte> p = parameters.Value;
            switch (parameters.Type)
            {
                case ParamStateCookie:
                    cookie = p;
                    break;
                case ParamForwardTsnSupported:
                    forwardTsn = true;
                    break;
                case ParamSupportedExtensions:
                    forwardTsn |= p.Contains((byte)SctpChunkType.ForwardTsn);
                    reConfig |= p.Contains((byte)SctpChunkType.ReConfig);
                    break;
                default:
                    // RFC 9260 §3.2.1: the two high bits say stop (00, 01) or skip (10, 11); odd = report.
                    if ((parameters.Type & 0x4000) != 0)
                    {
                        report++;
                    }

                    if ((parameters.Type & 0x8000) == 0)
                    {
                        chunk = new InitChunk(value, cookie, forwardTsn, reConfig, report);
                        return SctpReadResult.Ok;
                    }

                    break;
            }
        }

        if (!parameters.Valid)
        {
            return SctpReadResult.BadParameterLength;
        }

        chunk = new InitChunk(value, cookie, forwardTsn, reConfig, report);
        return SctpReadResult.Ok;
    }

    /// <summary>Length of an INIT/INIT ACK value written by <see cref="Write"/>.</summary>
    public static int ValueLength(int cookieLength) =>
        FixedLength + 8 + 4 + (cookieLength > 0 ? (4 + cookieLength + 3) & ~3 : 0);

    /// <summary>Writes the INIT/INIT ACK value advertising FORWARD-TSN and RE-CONFIG support.</summary>
    public static int Write(Span<byte> value, uint tag, uint rwnd, ushort os, ushort mis, uint initialTsn, ReadOnlySpan<byte> cookie)
    {
        BinaryPrimitives.WriteUInt32BigEndian(value, tag);
        BinaryPrimitives.WriteUInt32BigEndian(value[4..], rwnd);
        BinaryPrimitives.WriteUInt16BigEndian(value[8..], os);
        BinaryPrimitives.WriteUInt16BigEndian(value[10..], mis);
        BinaryPrimitives.WriteUInt32BigEndian(value[12..], initialTsn);
        int offset = FixedLength;
        offset += SctpParameterEnumerator.Write(value[offset..], ParamSupportedExtensions, [(byte)SctpChunkType.ReConfig, (byte)SctpChunkType.ForwardTsn, 0, 0], 2);
        offset += SctpParameterEnumerator.Write(value[offset..], ParamForwardTsnSupported, default, 0);
        if (!cookie.IsEmpty)
        {
            offset += SctpParameterEnumerator.Write(value[offset..], ParamStateCookie, cookie, cookie.Length);
        }

        return offset;
    }
}
