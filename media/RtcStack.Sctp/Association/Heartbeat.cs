using System.Buffers.Binary;

namespace RtcStack.Sctp.Association;

/// <summary>HEARTBEAT value (RFC 9260 §3.3.5): one Heartbeat Info parameter (type 1) holding the send time.</summary>
internal static class Heartbeat
{
    private const ushort InfoParameter = 1;

    public const int ValueLength = 12;

    public static void Write(Span<byte> value, long nowMs)
    {
        BinaryPrimitives.WriteUInt16BigEndian(value, InfoParameter);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], ValueLength);
        BinaryPrimitives.WriteInt64BigEndian(value[4..], nowMs);
    }

    public static bool TryReadSentTime(ReadOnlySpan<byte> value, out long sentMs)
    {
        sentMs = 0;
        if (value.Length < ValueLength || BinaryPrimitives.ReadUInt16BigEndian(value) != InfoParameter
            || BinaryPrimitives.ReadUInt16BigEndian(value[2..]) != ValueLength)
        {
            return false;
        }

        sentMs = BinaryPrimitives.ReadInt64BigEndian(value[4..]);
        return true;
    }
}
