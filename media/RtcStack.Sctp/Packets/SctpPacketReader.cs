using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// A parsed SCTP packet (RFC 9260 §3): the common header and a validated chunk list. Reading checks
/// the CRC32c and that every chunk length fits, so enumeration afterwards cannot fail.
/// </summary>
internal readonly ref struct SctpPacketReader
{
    /// <summary>Common header size (RFC 9260 §3.1).</summary>
    public const int HeaderLength = 12;

    /// <summary>Chunk header size: type, flags, length (RFC 9260 §3.2).</summary>
    public const int ChunkHeaderLength = 4;

    private readonly ReadOnlySpan<byte> _packet;

    private SctpPacketReader(ReadOnlySpan<byte> packet) => _packet = packet;

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_packet);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    public uint VerificationTag => BinaryPrimitives.ReadUInt32BigEndian(_packet[4..]);

    public ReadOnlySpan<byte> Chunks => _packet[HeaderLength..];

    /// <summary>Parses and validates a packet. No exception for any input.</summary>
    public static SctpReadResult TryRead(ReadOnlySpan<byte> packet, out SctpPacketReader reader)
    {
        reader = default;
        if (packet.Length < HeaderLength + ChunkHeaderLength)
        {
            return packet.Length < HeaderLength ? SctpReadResult.TooShort : SctpReadResult.NoChunks;
        }

        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]);
        if (ComputeChecksum(packet) != expected)
        {
            return SctpReadResult.BadChecksum;
        }

        ReadOnlySpan<byte> chunks = packet[HeaderLength..];
        while (!chunks.IsEmpty)
        {
            if (chunks.Length < ChunkHeaderLength)
            {
                return SctpReadResult.BadChunkLength;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(chunks[2..]);
            if (length < ChunkHeaderLength || length > chunks.Length)
            {
                return SctpReadResult.BadChunkLength;
            }

            int padded = Math.Min((length + 3) & ~3, chunks.Length);
            chunks = chunks[padded..];
        }

        reader = new SctpPacketReader(packet);
        return SctpReadResult.Ok;
    }

    /// <summary>CRC32c of the packet with the checksum field taken as zero (RFC 9260 §6.8).</summary>
    public static uint ComputeChecksum(ReadOnlySpan<byte> packet)
    {
        uint crc = Crc32C.Append(0xFFFFFFFFu, packet[..8]);
        crc = Crc32C.Append(crc, [0, 0, 0, 0]);
        crc = Crc32C.Append(crc, packet[HeaderLength..]);
        return ~crc;
    }

    public ChunkEnumerator GetEnumerator() => new(Chunks);

    /// <summary>Enumerates the chunks of a packet already validated by <see cref="TryRead"/>.</summary>
    public ref struct ChunkEnumerator
    {
        private ReadOnlySpan<byte> _rest;
        private SctpChunk _current;

        public ChunkEnumerator(ReadOnlySpan<byte> chunks)
        {
            _rest = chunks;
            _current = default;
        }

        public readonly SctpChunk Current => _current;

        public bool MoveNext()
        {
            if (_rest.Length < ChunkHeaderLength)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]);
            if (length < ChunkHeaderLength || length > _rest.Length)
            {
                return false;
            }

            _current = new SctpChunk((SctpChunkType)_rest[0], _rest[1], _rest[ChunkHeaderLength..length]);
            _rest = _rest[Math.Min((length + 3) & ~3, _rest.Length)..];
            return true;
        }
    }
}

/// <summary>One chunk: type, flags and the value (bytes after the 4-byte chunk header, no padding).</summary>
internal readonly ref struct SctpChunk
{
    public SctpChunk(SctpChunkType type, byte flags, ReadOnlySpan<byte> value)
    {
        Type = type;
        Flags = flags;
        Value = value;
    }

    public SctpChunkType Type { get; }

    public byte Flags { get; }

    public ReadOnlySpan<byte> Value { get; }
}
