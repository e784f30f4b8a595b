using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>Error cause codes (RFC 9260 §3.3.10) used in ABORT and ERROR chunks.</summary>
internal static class ErrorCause
{
    public const ushort InvalidStreamIdentifier = 1;
    public const ushort MissingMandatoryParameter = 2;
    public const ushort StaleCookie = 3;
    public const ushort OutOfResource = 4;
    public const ushort UnrecognizedChunkType = 6;
    public const ushort InvalidMandatoryParameter = 7;
    public const ushort UnrecognizedParameters = 8;
    public const ushort NoUserData = 9;
    public const ushort ProtocolViolation = 13;
    public const ushort UserInitiatedAbort = 12;

    /// <summary>First cause code in an ABORT/ERROR value, or 0 when none or malformed.</summary>
    public static ushort FirstCode(ReadOnlySpan<byte> value)
    {
        var causes = new SctpParameterEnumerator(value);
        return causes.MoveNext() ? causes.Type : (ushort)0;
    }

    /// <summary>Writes one cause with an optional body; returns bytes used.</summary>
    public static int Write(Span<byte> destination, ushort code, ReadOnlySpan<byte> body) =>
        SctpParameterEnumerator.Write(destination, code, body, body.Length);

    public static int Size(int bodyLength) => (4 + bodyLength + 3) & ~3;

    /// <summary>Reads a 32-bit big-endian field, used by chunks whose value is only a TSN (SHUTDOWN).</summary>
    public static bool TryReadUInt32(ReadOnlySpan<byte> value, out uint result)
    {
        result = 0;
        if (value.Length < 4)
        {
            return false;
        }

        result = BinaryPrimitives.ReadUInt32BigEndian(value);
        return true;
    }
}
