using System.Numerics;

namespace RtcStack.Server.Engine;

/// <summary>
/// Out buffers on the pinned object heap, so that the kernel can read them during an io_uring submission
/// (<see cref="SendRing"/>) without a pin per send. Powers of two from 4 KiB to 1 MiB, each size holding at most a bounded
/// number of free buffers (what is given back beyond that is left to the GC); larger requests get an unpooled pinned array.
/// Thread-safe; renting and returning allocate nothing once a buffer of the size exists.
/// </summary>
internal sealed class PinnedBufferPool
{
    private const int MinShift = 12;
    private const int MaxShift = 20;

    /// <summary>The pool of the process (the engine's out buffers).</summary>
    public static readonly PinnedBufferPool Shared = new();

    private readonly Bucket[] _buckets;

    public PinnedBufferPool()
    {
        _buckets = new Bucket[MaxShift - MinShift + 1];
        for (int i = 0; i < _buckets.Length; i++)
        {
            // At most 2 MiB of free buffers per size (512 of 4 KiB: a batch of 256 sockets rents one each), at least 2.
            int size = 1 << (MinShift + i);
            _buckets[i] = new Bucket(size, Math.Max(2, (2 << 20) / size));
        }
    }

    /// <summary>A pinned buffer of at least <paramref name="minimumLength"/> bytes (contents undefined).</summary>
    public byte[] Rent(int minimumLength)
    {
        int shift = Math.Max(MinShift, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(1, minimumLength) - 1));
        if (shift > MaxShift)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength, pinned: true);
        }
        return _buckets[shift - MinShift].Rent();
    }

    /// <summary>Gives back a buffer from <see cref="Rent"/> (only those: a pooled buffer must be pinned).</summary>
    public void Return(byte[] buffer)
    {
        int length = buffer.Length;
        if (!BitOperations.IsPow2(length) || length < (1 << MinShift) || length > (1 << MaxShift))
        {
            return;
        }
        _buckets[BitOperations.Log2((uint)length) - MinShift].Return(buffer);
    }

    private sealed class Bucket(int size, int capacity)
    {
        private readonly Lock _sync = new();
        private readonly byte[]?[] _free = new byte[]?[capacity];
        private int _count;

        public byte[] Rent()
        {
            lock (_sync)
            {
                if (_count > 0)
                {
                    byte[] buffer = _free[--_count]!;
                    _free[_count] = null;
                    return buffer;
                }
            }
            return GC.AllocateUninitializedArray<byte>(size, pinned: true);
        }

        public void Return(byte[] buffer)
        {
            lock (_sync)
            {
                if (_count < _free.Length)
                {
                    _free[_count++] = buffer;
                }
            }
        }
    }
}
