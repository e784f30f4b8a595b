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
/// Consecutive datagrams for the same destination and of the same size (the last may be shorter) go out as one
/// UDP GSO message (UDP_SEGMENT, Linux 4.18+): the kernel builds and routes one buffer for the run and cuts it into
/// the original datagrams, instead of running the whole IP output path once per datagram. Where the kernel refuses
/// a GSO message, its datagrams are sent one by one (<see cref="SendBatchGso"/>). Frames for stream clients are
/// coalesced per client (<see cref="SendBatchStream"/>).
/// </summary>
internal sealed unsafe class SendBatch : IDisposable
{
    private readonly int _capacity;
    private readonly LinuxNative.MMsgHdr* _headers;
    private readonly LinuxNative.IoVec* _iov;
    private readonly byte* _names;
    private readonly byte* _control;
    private Socket? _socket;
    private int _count;
    private int _messages;
    private int _segmentSize;
    private int _runBytes;
    private bool _runClosed;
    private bool _disposed;
    private byte[]? _copies;
    private int _copiesLength;
    private readonly SendBatchStream _stream = new();

    /// <summary>Bytes coalesced for one stream client before a write.</summary>
    internal const int StreamBufferSize = 32 * 1024;

    /// <summary>Bytes of copied datagrams (<see cref="AddCopy"/>) held until a flush.</summary>
    internal const int CopyBufferSize = 32 * 1024;

    /// <summary>Largest datagram merged into a GSO run: fits a 1500-byte path MTU over IPv6 (1500 - 40 - 8).</summary>
    internal const int MaxSegmentSize = 1452;

    /// <summary>Most datagrams per GSO run (the kernel's UDP_MAX_SEGMENTS is 64 or more).</summary>
    internal const int MaxSegments = 64;

    private const int MaxRunBytes = 60 * 1024;

    /// <summary>Set to false to send every datagram as its own message (tests; also set when the kernel lacks UDP GSO).</summary>
    internal static bool GsoEnabled
    {
        get => SendBatchGso.Enabled;
        set => SendBatchGso.Enabled = value;
    }

    /// <summary>Messages queued and not yet sent (a GSO run counts once).</summary>
    internal int PendingMessages => _messages;

    internal SendBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _headers = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LinuxNative.MMsgHdr));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LinuxNative.IoVec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity, DatagramBatch.NameSize);
        _control = (byte*)NativeMemory.AllocZeroed((nuint)capacity, SendBatchGso.ControlSize);
        for (int i = 0; i < capacity; i++)
        {
            _headers[i].Header.Name = _names + (i * DatagramBatch.NameSize);
            SendBatchGso.InitControl(_control + (i * SendBatchGso.ControlSize));
        }
    }

    /// <summary>Datagrams queued and not yet sent.</summary>
    internal int Pending => _count;

    /// <summary>Flushes that had datagrams to send: one sendmmsg call each, unless the kernel took only part (tests).</summary>
    internal long DatagramFlushes { get; private set; }

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
        _iov[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data));
        _iov[i].Length = data.Length;
        int nameLength = Math.Min(to.Size, DatagramBatch.NameSize);
        ReadOnlySpan<byte> name = to.Buffer.Span[..nameLength];
        if (_messages > 0 && Joins(data.Length, name))
        {
            ref LinuxNative.MMsgHdr run = ref _headers[_messages - 1];
            run.Header.IovLength++;
            _runBytes += data.Length;
            _runClosed = data.Length < _segmentSize;
        }
        else
        {
            ref LinuxNative.MMsgHdr message = ref _headers[_messages++];
            name.CopyTo(new Span<byte>(message.Header.Name, DatagramBatch.NameSize));
            message.Header.NameLength = nameLength;
            message.Header.Iov = &_iov[i];
            message.Header.IovLength = 1;
            _segmentSize = data.Length;
            _runBytes = data.Length;
            _runClosed = false;
        }
        if (++_count == _capacity)
        {
            Flush();
        }
    }

    /// <summary>True if a datagram of <paramref name="length"/> bytes to <paramref name="name"/> can join the last message's GSO run.</summary>
    private bool Joins(int length, ReadOnlySpan<byte> name)
    {
        ref LinuxNative.MMsgHdr run = ref _headers[_messages - 1];
        return SendBatchGso.Enabled && !_runClosed && length > 0 && length <= _segmentSize && _segmentSize <= MaxSegmentSize
            && run.Header.IovLength < MaxSegments && _runBytes + length <= MaxRunBytes
            && run.Header.NameLength == name.Length && name.SequenceEqual(new ReadOnlySpan<byte>(run.Header.Name, name.Length));
    }

    /// <summary>
    /// Like <see cref="Add"/> for bytes that will not stay put (a response written in a scratch buffer that the next
    /// request reuses): copies them into the batch's own pinned buffer first (flushing when it is full).
    /// </summary>
    internal void AddCopy(Socket socket, ReadOnlySpan<byte> data, SocketAddress to)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Length > CopyBufferSize)
        {
            Flush();
            Add(socket, data, to);
            Flush();
            return;
        }
        _copies ??= GC.AllocateUninitializedArray<byte>(CopyBufferSize, pinned: true);
        if (_copiesLength + data.Length > CopyBufferSize || (_count > 0 && !ReferenceEquals(socket, _socket)))
        {
            Flush();
        }
        Span<byte> copy = _copies.AsSpan(_copiesLength, data.Length);
        data.CopyTo(copy);
        _copiesLength += data.Length;
        Add(socket, copy, to);
    }

    /// <summary>
    /// Appends <paramref name="frame"/> (copied) for a stream client, so that consecutive frames for the same client
    /// leave in one write at <see cref="Flush"/> (frames on a stream are self-delimiting).
    /// </summary>
    internal void AddStream(IClientSink client, ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Add(client, frame);
    }

    /// <summary>Sends everything queued (datagrams and stream bytes); a datagram the kernel refuses is dropped (UDP may drop). Never throws.</summary>
    internal void Flush()
    {
        _stream.Flush();
        FlushDatagrams();
    }

    private void FlushDatagrams()
    {
        int messages = _messages;
        Socket? socket = _socket;
        _count = 0;
        _messages = 0;
        _copiesLength = 0;
        _socket = null;
        if (messages == 0 || socket is null)
        {
            return;
        }
        DatagramFlushes++;
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
            SendBatchGso.Send((int)handle.DangerousGetHandle(), _headers, messages, _control);
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
        _messages = 0;
        _socket = null;
        _stream.Clear();
        NativeMemory.Free(_control);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
    }
}
