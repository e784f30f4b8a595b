using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Source description, PT 202 (RFC 3550 §6.5): walks items of all chunks; writes a CNAME chunk.</summary>
public ref struct RtcpSdesReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly int _chunkCount;
    private int _chunk;
    private int _position;
    private uint _ssrc;
    private bool _inChunk;

    private RtcpSdesReader(ReadOnlySpan<byte> body, int chunkCount)
    {
        _body = body;
        _chunkCount = chunkCount;
        _chunk = 0;
        _position = 0;
        _ssrc = 0;
        _inChunk = false;
        Result = RtcpReadResult.Ok;
    }

    /// <summary><see cref="RtcpReadResult.Ok"/> unless a chunk was malformed.</summary>
    public RtcpReadResult Result { get; private set; }

    /// <summary>Starts reading <paramref name="packet"/> as SDES.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpSdesReader reader)
    {
        reader = default;
        if (packet.PacketType != RtcpPacketType.SourceDescription)
        {
            return RtcpReadResult.WrongType;
        }

        reader = new RtcpSdesReader(packet.Body, packet.Count);
        return RtcpReadResult.Ok;
    }

    /// <summary>Reads the next item; false at the end or when malformed (see <see cref="Result"/>).</summary>
    public bool TryReadNext(out RtcpSdesItem item)
    {
        item = default;
        while (Result == RtcpReadResult.Ok)
        {
            if (!_inChunk)
            {
                if (_chunk >= _chunkCount)
                {
                    return false;
                }

                if (_position + 4 > _body.Length)
                {
                    return Fail();
                }

                _ssrc = BinaryPrimitives.ReadUInt32BigEndian(_body[_position..]);
                _position += 4;
                _inChunk = true;
            }

            if (_position >= _body.Length)
            {
                return Fail();
            }

            var type = (RtcpSdesItemType)_body[_position];
            if (type == RtcpSdesItemType.End)
            {
                // The null item ends the chunk, which is padded to the next 32-bit boundary.
                _position = (_position + 4) & ~3;
                _inChunk = false;
                _chunk++;
                continue;
            }

            if (_position + 2 > _body.Length || _position + 2 + _body[_position + 1] > _body.Length)
            {
                return Fail();
            }

            var length = _body[_position + 1];
            item = new RtcpSdesItem(_ssrc, type, _body.Slice(_position + 2, length));
            _position += 2 + length;
            return true;
        }

        return false;
    }

    /// <summary>Writes an SDES packet with one chunk holding a CNAME (at most 255 UTF-8 bytes).</summary>
    public static bool TryWriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> cname, out int written)
    {
        written = 0;
        var chunk = (4 + 2 + cname.Length + 1 + 3) & ~3;
        if (cname.Length > 255 || destination.Length < RtcpPacket.HeaderLength + chunk)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, 1, RtcpPacketType.SourceDescription, chunk);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        destination[8] = (byte)RtcpSdesItemType.Cname;
        destination[9] = (byte)cname.Length;
        cname.CopyTo(destination[10..]);
        destination[(10 + cname.Length)..(RtcpPacket.HeaderLength + chunk)].Clear();
        written = RtcpPacket.HeaderLength + chunk;
        return true;
    }

    private bool Fail()
    {
        Result = RtcpReadResult.Truncated;
        return false;
    }
}
