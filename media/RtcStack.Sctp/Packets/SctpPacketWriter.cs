using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// Writes an SCTP packet into a caller's buffer: common header, then chunks (each padded to 4 bytes,
/// RFC 9260 §3.2), then <see cref="Finish"/> stores the CRC32c little-endian as SCTP requires.
/// </summary>
internal ref struct SctpPacketWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public SctpPacketWriter(Span<byte> buffer, ushort sourcePort, ushort destinationPort, uint verificationTag)
    {
        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], verificationTag);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], 0);
        _length = SctpPacketReader.HeaderLength;
    }

    public readonly int Length => _length;

    public readonly int Remaining => _buffer.Length - _length;

    public readonly bool HasChunks => _length > SctpPacketReader.HeaderLength;

    /// <summary>Padded on-wire size of a chunk with a value of <paramref name="valueLength"/> bytes.</summary>
    public static int ChunkSize(int valueLength) => (SctpPacketReader.ChunkHeaderLength + valueLength + 3) & ~3;

    public readonly bool Fits(int valueLength) => ChunkSize(valueLength) <= Remaining;

    /// <summary>Writes a chunk header and returns the value span to fill. Call <see cref="Fits"/> first.</summary>
    public Span<byte> AddChunk(SctpChunkType type, byte flags, int valueLength)
    {
        int size = ChunkSize(valueLength);
        Span<byte> chunk = _buffer.Slice(_length, size);
        chunk[0] = (byte)type;
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk[2..], (ushort)(SctpPacketReader.ChunkHeaderLength + valueLength));
        chunk[(SctpPacketReader.ChunkHeaderLength + valueLength)..].Clear();
        _length += size;
        return chunk.Slice(SctpPacketReader.ChunkHeaderLength, valueLength);
    }

    /// <summary>Adds a chunk whose value is copied from <paramref name="value"/>.</summary>
    public void AddChunk(SctpChunkType type, byte flags, ReadOnlySpan<byte> value) =>
        value.CopyTo(AddChunk(type, flags, value.Length));

    /// <summary>Stores the CRC32c and returns the packet length.</summary>
    public readonly int Finish()
    {
        Span<byte> packet = _buffer[.._length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], SctpPacketReader.ComputeChecksum(packet));
        return _length;
    }
}
