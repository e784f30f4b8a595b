using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace RtcStack.Server.Engine;

/// <summary>
/// The unmasked messages of one WebSocket that the hub has not read yet, back to back in one pooled buffer:
/// each record is [opcode (1)][payload length (4)][payload]. The engine thread appends (a message may arrive in
/// several frames: it is assembled in place, after the complete records); the reader takes payload bytes from the
/// first record. A message longer than <c>maxPayload</c> keeps its first <c>maxPayload</c> bytes only (the hub
/// refuses it by its length). Holds no buffer while empty. Not thread-safe: the owner locks.
/// </summary>
internal sealed class InboundQueue(int maxPayload)
{
    private const int RecordHeader = 5;
    private byte[]? _buffer;
    private int _start;
    private int _committed;
    private int _end;
    private int _readOffset;
    private int _openStart = -1;
    private int _openLength;
    private int _openOpcode;

    /// <summary>Bytes buffered (complete and incomplete messages).</summary>
    public int Buffered => _end - _start;

    public bool HasMessage => _start < _committed;

    public bool InMessage => _openStart >= 0;

    /// <summary>Payload bytes of the open (incomplete) message so far.</summary>
    public int OpenLength => _openLength;

    /// <summary>The longest message the hub accepts; the decoder fails a longer one (1009) as soon as its length says so.</summary>
    public int MaxMessage => maxPayload - 1;

    /// <summary>The opcode of the first complete message (call only when <see cref="HasMessage"/>).</summary>
    public int FirstOpcode => _buffer![_start];

    /// <summary>The unread payload of the first complete message.</summary>
    public ReadOnlySpan<byte> FirstPayload
    {
        get
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + 1));
            return _buffer.AsSpan(_start + RecordHeader + _readOffset, length - _readOffset);
        }
    }

    public void Begin(int opcode)
    {
        Ensure(RecordHeader);
        _openStart = _end;
        _openLength = 0;
        _openOpcode = opcode;
        _end += RecordHeader;
    }

    /// <summary>Unmasks a piece of the current frame's payload into the open message (beyond the cap, it is dropped).</summary>
    public void Append(ReadOnlySpan<byte> masked, uint maskKey, long frameOffset)
    {
        int take = Math.Min(masked.Length, maxPayload - _openLength);
        if (take <= 0)
        {
            return;
        }
        Ensure(take);
        WebSocketFrameReader.Unmask(masked[..take], _buffer.AsSpan(_end, take), maskKey, frameOffset);
        _end += take;
        _openLength += take;
    }

    /// <summary>Completes the open message; false when it is text and not valid UTF-8 (RFC 6455 section 8.1).</summary>
    public bool End()
    {
        Span<byte> header = _buffer.AsSpan(_openStart, RecordHeader);
        header[0] = (byte)_openOpcode;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], _openLength);
        bool valid = _openOpcode != WebSocketFrameHeader.Text || _openLength >= maxPayload
            || Utf8.IsValid(_buffer.AsSpan(_openStart + RecordHeader, _openLength));
        _committed = _end;
        _openStart = -1;
        return valid;
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes of the first message; true when it was read to its end.</summary>
    public bool Read(Span<byte> destination, out int count, out int opcode)
    {
        opcode = _buffer![_start];
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + 1));
        count = Math.Min(destination.Length, length - _readOffset);
        _buffer.AsSpan(_start + RecordHeader + _readOffset, count).CopyTo(destination);
        _readOffset += count;
        if (_readOffset < length)
        {
            return false;
        }
        _start += RecordHeader + length;
        _readOffset = 0;
        if (_start == _end)
        {
            Release();
        }
        return true;
    }

    /// <summary>Gives the buffer back when nothing is left in it.</summary>
    public void Release()
    {
        if (_start != _end || _buffer is null)
        {
            return;
        }
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _start = _committed = _end = 0;
    }

    private void Ensure(int more)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(more, 4096));
            return;
        }
        if (_end + more <= _buffer.Length)
        {
            return;
        }
        int live = _end - _start;
        byte[] target = live + more <= _buffer.Length / 2 ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(live + more, _buffer.Length * 2));
        _buffer.AsSpan(_start, live).CopyTo(target);
        if (!ReferenceEquals(target, _buffer))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
        }
        _committed -= _start;
        if (_openStart >= 0)
        {
            _openStart -= _start;
        }
        _end = live;
        _start = 0;
    }
}
