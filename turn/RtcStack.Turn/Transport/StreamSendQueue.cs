using System.Buffers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Bytes waiting to be written to one stream client, in pooled 16 KiB chunks rented when bytes arrive and returned
/// as soon as they are written, so an idle connection holds no buffer. Appends copy; the writer takes the oldest
/// contiguous run with <see cref="Peek"/> and releases it with <see cref="Advance"/>. Not thread-safe: the owner
/// locks. Allocation-free once its chunk ring has grown to the connection's largest backlog.
/// </summary>
internal sealed class StreamSendQueue
{
    /// <summary>Size of each pooled chunk.</summary>
    internal const int ChunkSize = 16 * 1024;

    /// <summary>
    /// Chunks come from a pool of their own (no per-thread slots): they are rented on the sending thread and returned by
    /// the writer on whichever pool thread finished the write, and the shared pool's per-thread slots strand them there.
    /// Keeps at most 512 idle chunks (8 MiB).
    /// </summary>
    private static readonly ArrayPool<byte> Chunks = ArrayPool<byte>.Create(ChunkSize, 512);

    private Chunk[] _ring = new Chunk[4];
    private int _head;
    private int _count;

    /// <summary>Bytes queued and not yet written.</summary>
    internal int Length { get; private set; }

    internal bool IsEmpty => Length == 0;

    /// <summary>
    /// Appends a copy of <paramref name="bytes"/>; with <paramref name="inOneChunk"/> (one frame of at most a chunk)
    /// it starts a new chunk rather than split the frame across two, so <see cref="Peek"/> can return it whole.
    /// </summary>
    internal void Enqueue(ReadOnlySpan<byte> bytes, bool inOneChunk = false)
    {
        if (inOneChunk && _count > 0 && bytes.Length <= ChunkSize && ChunkSize - _ring[Index(_count - 1)].End < bytes.Length)
        {
            AddChunk();
        }
        while (!bytes.IsEmpty)
        {
            if (_count == 0 || _ring[Index(_count - 1)].End == ChunkSize)
            {
                AddChunk();
            }
            ref Chunk tail = ref _ring[Index(_count - 1)];
            int n = Math.Min(bytes.Length, ChunkSize - tail.End);
            bytes[..n].CopyTo(tail.Array.AsSpan(tail.End));
            tail.End += n;
            Length += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>The oldest contiguous queued bytes (empty when nothing is queued); valid until <see cref="Advance"/> or <see cref="Clear"/>.</summary>
    internal ReadOnlyMemory<byte> Peek()
    {
        if (_count == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        ref Chunk head = ref _ring[_head];
        return head.Array.AsMemory(head.Start, head.End - head.Start);
    }

    /// <summary>Releases <paramref name="bytes"/> written from the front; a chunk fully written goes back to the pool.</summary>
    internal void Advance(int bytes)
    {
        while (bytes > 0 && _count > 0)
        {
            ref Chunk head = ref _ring[_head];
            int n = Math.Min(bytes, head.End - head.Start);
            head.Start += n;
            Length -= n;
            bytes -= n;
            if (head.Start == head.End)
            {
                Chunks.Return(head.Array);
                head = default;
                _head = Index(1);
                _count--;
            }
        }
    }

    /// <summary>Drops everything queued and returns the chunks to the pool.</summary>
    internal void Clear() => Advance(Length);

    private int Index(int offset) => (_head + offset) % _ring.Length;

    private void AddChunk()
    {
        if (_count == _ring.Length)
        {
            var grown = new Chunk[_ring.Length * 2];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = _ring[Index(i)];
            }
            _ring = grown;
            _head = 0;
        }
        _ring[Index(_count)] = new Chunk { Array = Chunks.Rent(ChunkSize) };
        _count++;
    }

    private struct Chunk
    {
        internal byte[] Array;
        internal int Start;
        internal int End;
    }
}
