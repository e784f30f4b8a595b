using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Send side of the batched UDP datapath (Linux x64): datagrams queued for one socket go out in one sendmmsg
/// call. Queuing for a different socket, or a full batch, flushes first; the owner flushes at the end of each
/// receive batch. The queued bytes are referenced, not copied, so they must live in pinned memory that stays
/// unchanged until <see cref="Flush"/> (the receive batch's slots). One instance belongs to one thread.
/// </summary>
internal sealed unsafe class SendBatch : IDisposable
{
    private readonly int _capacity;
    private readonly LinuxNative.MMsgHdr* _headers;
    private readonly LinuxNative.IoVec* _iov;
    private readonly byte* _names;
    private Socket? _socket;
    private int _count;
    private bool _disposed;
    private byte[]? _streamBuffer;
    private IClientSink? _streamClient;
    private int _streamLength;

    /// <summary>Bytes coalesced for one stream client before a write.</summary>
    internal const int StreamBufferSize = 32 * 1024;

    internal SendBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _headers = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LinuxNative.MMsgHdr));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LinuxNative.IoVec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity, DatagramBatch.NameSize);
        for (int i = 0; i < capacity; i++)
        {
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + (i * DatagramBatch.NameSize);
        }
    }

    /// <summary>Datagrams queued and not yet sent.</summary>
    internal int Pending => _count;

    /// <summary>Queues <paramref name="data"/> (in pinned memory, see the class remarks) to <paramref name="to"/> on <paramref name="socket"/>.</summary>
    internal void Add(Socket socket, ReadOnlySpan<byte> data, SocketAddress to)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_count > 0 && !ReferenceEquals(socket, _socket))
        {
            Flush();
        }
        _socket = socket;
        int i = _count;
        int nameLength = Math.Min(to.Size, DatagramBatch.NameSize);
        to.Buffer.Span[..nameLength].CopyTo(new Span<byte>(_names + (i * DatagramBatch.NameSize), DatagramBatch.NameSize));
        _headers[i].Header.NameLength = nameLength;
        _iov[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data));
        _iov[i].Length = data.Length;
        if (++_count == _capacity)
        {
            Flush();
        }
    }

    /// <summary>
    /// Appends <paramref name="frame"/> (copied) for a stream client, so that consecutive frames for the same client
    /// leave in one write at <see cref="Flush"/> (frames on a stream are self-delimiting).
    /// </summary>
    internal void AddStream(IClientSink client, ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _streamBuffer ??= new byte[StreamBufferSize];
        if (_streamLength > 0 && (!ReferenceEquals(client, _streamClient) || _streamLength + frame.Length > _streamBuffer.Length))
        {
            FlushStream();
        }
        if (frame.Length > _streamBuffer.Length)
        {
            client.Send(frame);
            return;
        }
        _streamClient = client;
        frame.CopyTo(_streamBuffer.AsSpan(_streamLength));
        _streamLength += frame.Length;
    }

    /// <summary>Sends everything queued (datagrams and stream bytes); a datagram the kernel refuses is dropped (UDP may drop). Never throws.</summary>
    internal void Flush()
    {
        FlushStream();
        FlushDatagrams();
    }

    private void FlushStream()
    {
        IClientSink? client = _streamClient;
        int length = _streamLength;
        _streamClient = null;
        _streamLength = 0;
        if (client is not null && length > 0)
        {
            client.Send(_streamBuffer.AsSpan(0, length));
        }
    }

    private void FlushDatagrams()
    {
        int count = _count;
        Socket? socket = _socket;
        _count = 0;
        _socket = null;
        if (count == 0 || socket is null)
        {
            return;
        }
        SafeHandle handle;
        bool added = false;
        try
        {
            handle = socket.SafeHandle;
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return; // the socket was closed since the datagrams were queued: drop them
        }
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            int sent = 0;
            while (sent < count)
            {
                int n = LinuxNative.SendMmsg(fd, _headers + sent, (uint)(count - sent), 0);
                sent += n > 0 ? n : 1; // an error concerns the first unsent datagram: skip it, send the rest
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _count = 0;
        _socket = null;
        _streamClient = null;
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
    }
}
