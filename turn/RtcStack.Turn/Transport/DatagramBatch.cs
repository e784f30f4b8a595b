using System.Net;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Receive side of the batched UDP datapath (Linux x64): <see cref="Count"/> slots in one pinned buffer, each
/// with its own source-address storage, filled by one recvmmsg call. Each slot leaves <c>offset</c> bytes of
/// headroom in front of the datagram (the relay writes a ChannelData header or Data indication there). One
/// batch belongs to one thread; nothing here allocates after construction.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    /// <summary>Bytes of address storage per slot: sockaddr_in6 is 28.</summary>
    internal const int NameSize = 32;

    private readonly byte[] _buffer;
    private readonly int _slotSize;
    private readonly int _offset;
    private readonly LinuxNative.MMsgHdr* _headers;
    private readonly LinuxNative.IoVec* _iov;
    private readonly byte* _names;
    private bool _disposed;

    /// <param name="count">Slots (datagrams per call).</param>
    /// <param name="slotSize">Bytes per slot, headroom included.</param>
    /// <param name="offset">Headroom in front of each datagram.</param>
    /// <param name="capacity">Largest datagram accepted; a larger one is reported by <see cref="Truncated"/>.</param>
    internal DatagramBatch(int count, int slotSize, int offset, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + capacity, slotSize);
        Count = count;
        _slotSize = slotSize;
        _offset = offset;
        _buffer = GC.AllocateUninitializedArray<byte>(count * slotSize, pinned: true);
        _headers = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(LinuxNative.MMsgHdr));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(LinuxNative.IoVec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)count, NameSize);
        byte* data = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0);
        for (int i = 0; i < count; i++)
        {
            _iov[i].Base = data + (i * slotSize) + offset;
            _iov[i].Length = capacity;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + (i * NameSize);
        }
    }

    internal int Count { get; }

    /// <summary>
    /// One recvmmsg on <paramref name="fd"/>: the number of datagrams received (0 or more), or -1 with errno set
    /// (EAGAIN when nothing was queued).
    /// </summary>
    internal int Receive(int fd, int flags)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < Count; i++)
        {
            _headers[i].Header.NameLength = NameSize;
            _headers[i].Header.Flags = 0;
            _headers[i].Length = 0;
        }
        return LinuxNative.RecvMmsg(fd, _headers, (uint)Count, flags, null);
    }

    /// <summary>Bytes received in slot <paramref name="index"/>.</summary>
    internal int Length(int index) => (int)_headers[index].Length;

    /// <summary>True if the datagram in slot <paramref name="index"/> was longer than the capacity (cut short).</summary>
    internal bool Truncated(int index) => (_headers[index].Header.Flags & LinuxNative.MsgTrunc) != 0;

    /// <summary>The whole slot: headroom, datagram, tailroom.</summary>
    internal Span<byte> Slot(int index) => _buffer.AsSpan(index * _slotSize, _slotSize);

    /// <summary>The datagram received in slot <paramref name="index"/>.</summary>
    internal Span<byte> Datagram(int index) => _buffer.AsSpan((index * _slotSize) + _offset, Length(index));

    /// <summary>Copies the sender's address of slot <paramref name="index"/> into <paramref name="to"/> (same family).</summary>
    internal void CopyAddress(int index, SocketAddress to)
    {
        Span<byte> target = to.Buffer.Span;
        int length = Math.Min(Math.Min(_headers[index].Header.NameLength, NameSize), target.Length);
        new ReadOnlySpan<byte>(_names + (index * NameSize), length).CopyTo(target);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
    }
}
