using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Sctp.Association;

/// <summary>
/// The State Cookie (RFC 9260 §5.1.3): everything needed to build the association from a COOKIE ECHO,
/// so no state is kept after answering an INIT. Authenticated with HMAC-SHA256 under a per-association
/// secret; verified in constant time, with a lifetime check (§5.1.5).
/// </summary>
internal readonly record struct StateCookie(
    uint LocalTag,
    uint PeerTag,
    uint LocalInitialTsn,
    uint PeerInitialTsn,
    uint PeerReceiverWindow,
    ushort OutboundStreams,
    ushort InboundStreams,
    bool PeerForwardTsn,
    bool PeerReConfig,
    long CreatedUnixMs)
{
    private const int BodyLength = 34;
    private const int MacLength = 32;

    public const int Length = BodyLength + MacLength;

    public void Write(Span<byte> destination, ReadOnlySpan<byte> key)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, LocalTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], PeerTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], LocalInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], PeerInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], PeerReceiverWindow);
        BinaryPrimitives.WriteUInt16BigEndian(destination[20..], OutboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(destination[22..], InboundStreams);
        destination[24] = (byte)((PeerForwardTsn ? 1 : 0) | (PeerReConfig ? 2 : 0));
        destination[25] = 0;
        BinaryPrimitives.WriteInt64BigEndian(destination[26..], CreatedUnixMs);
        HMACSHA256.HashData(key, destination[..BodyLength], destination.Slice(BodyLength, MacLength));
    }

    /// <summary>Checks length and MAC; the caller checks the lifetime.</summary>
    public static bool TryRead(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> key, out StateCookie result)
    {
        result = default;
        if (cookie.Length != Length)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(key, cookie[..BodyLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, cookie.Slice(BodyLength, MacLength)))
        {
            return false;
        }

        result = new StateCookie(
            BinaryPrimitives.ReadUInt32BigEndian(cookie),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[20..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[22..]),
            (cookie[24] & 1) != 0,
            (cookie[24] & 2) != 0,
            BinaryPrimitives.ReadInt64BigEndian(cookie[26..]));
        return true;
    }
}
