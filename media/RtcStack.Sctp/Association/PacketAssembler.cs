using System.Buffers;
using System.Buffers.Binary;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Bundles chunks into SCTP packets of at most the configured size in pooled buffers and queues the
/// finished packets (CRC32c applied) for the transport. A new packet starts when the verification tag
/// changes or the chunk does not fit.
/// </summary>
internal sealed class PacketAssembler
{
    private readonly Queue<OutgoingPacket> _ready = new();
    private readonly int _maxPacketSize;
    private readonly ushort _sourcePort;
    private readonly ushort _destinationPort;
    private byte[]? _buffer;
    private int _length;
    private uint _tag;

    public PacketAssembler(int maxPacketSize, ushort sourcePort, ushort destinationPort)
    {
        _maxPacketSize = maxPacketSize;
        _sourcePort = sourcePort;
        _destinationPort = destinationPort;
    }

    public int MaxPacketSize => _maxPacketSize;

    /// <summary>
    /// Largest chunk value that fits in an empty packet, padding included: the chunk is padded to a
    /// multiple of 4 (RFC 9260 §3.2), so the room after the common header is rounded down first.
    /// </summary>
    public int MaxChunkValue => ((_maxPacketSize - SctpPacketReader.HeaderLength) & ~3) - SctpPacketReader.ChunkHeaderLength;

    public bool IsOpen => _buffer is not null;

    /// <summary>True when a chunk with this value length fits into the packet being built.</summary>
    public bool FitsCurrent(int valueLength) =>
        _buffer is not null && _length + SctpPacketWriter.ChunkSize(valueLength) <= _maxPacketSize;

    /// <summary>Adds a chunk, starting a new packet when needed; returns the value span to fill.</summary>
    public Span<byte> Add(uint tag, SctpChunkType type, byte flags, int valueLength)
    {
        if (_buffer is not null && (_tag != tag || !FitsCurrent(valueLength)))
        {
            Flush();
        }

        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_maxPacketSize, SctpPacketReader.HeaderLength + SctpPacketWriter.ChunkSize(valueLength)));
            _tag = tag;
            Span<byte> header = _buffer;
            BinaryPrimitives.WriteUInt16BigEndian(header, _sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], _destinationPort);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], tag);
            BinaryPrimitives.WriteUInt32BigEndian(header[8..], 0);
            _length = SctpPacketReader.HeaderLength;
        }

        int size = SctpPacketWriter.ChunkSize(valueLength);
        Span<byte> chunk = _buffer.AsSpan(_length, size);
        chunk[0] = (byte)type;
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk[2..], (ushort)(SctpPacketReader.ChunkHeaderLength + valueLength));
        chunk[(SctpPacketReader.ChunkHeaderLength + valueLength)..].Clear();
        _length += size;
        return chunk.Slice(SctpPacketReader.ChunkHeaderLength, valueLength);
    }

    /// <summary>Finishes the packet being built, if any.</summary>
    public void Flush()
    {
        if (_buffer is null)
        {
            return;
        }

        Span<byte> packet = _buffer.AsSpan(0, _length);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], SctpPacketReader.ComputeChecksum(packet));
        _ready.Enqueue(new OutgoingPacket(_buffer, _length));
        _buffer = null;
        _length = 0;
    }

    public bool TryDequeue(out OutgoingPacket packet) => _ready.TryDequeue(out packet);

    /// <summary>Returns every queued buffer to the pool (association closed).</summary>
    public void Clear()
    {
        Flush();
        while (_ready.TryDequeue(out OutgoingPacket p))
        {
            p.Return();
        }
    }
}

/// <summary>A finished packet in a pooled buffer; <see cref="Return"/> gives the buffer back.</summary>
internal readonly record struct OutgoingPacket(byte[] Buffer, int Length)
{
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
