using System.Runtime.InteropServices;

namespace RtcStack.Server.Engine;

/// <summary>
/// One engine thread's io_uring, used for one thing: the sends of a batch's flush go to the kernel in one
/// <c>io_uring_enter</c> instead of one <c>send()</c> each (<c>Server:EpollSendRing</c>). Every send carries
/// <c>MSG_DONTWAIT</c>, so it completes during the submission (bytes taken, or <c>-EAGAIN</c> when the socket's buffer is
/// full) and the call returns with every result: nothing stays in flight, the buffers (pinned) need to stay put only
/// during <see cref="SendAll"/>. Besides the system calls saved, the receivers woken by the sends get the CPU (if they take it
/// from this thread) once per batch instead of once per send.
/// Made and used by one thread only (<c>IORING_SETUP_SINGLE_ISSUER</c>); <see cref="TryCreate"/> returns null where
/// io_uring is missing or refused (a kernel older than 6.1, <c>kernel.io_uring_disabled</c>, a seccomp profile), and the
/// engine then sends with <c>send()</c>.
/// </summary>
internal sealed unsafe class SendRing : IDisposable
{
    /// <summary>Sends per submission (the flush submits in chunks of this many).</summary>
    public const int Capacity = 128;

    /// <summary>A result <see cref="SendAll"/> leaves when the kernel did not take the entry: send it another way.</summary>
    public const int NotSubmitted = int.MinValue;

    private readonly int _fd;
    private readonly nint _rings;
    private readonly nuint _ringsSize;
    private readonly nint _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly IoUringNative.Cqe* _cqes;
    private uint _submission; // in the high half of user_data: a completion of an earlier submission is never taken for this one
    private bool _disposed;

    private SendRing(int fd, in IoUringNative.Params p, nint rings, nuint ringsSize, nint sqes, nuint sqesSize)
    {
        _fd = fd;
        _rings = rings;
        _ringsSize = ringsSize;
        _sqes = sqes;
        _sqesSize = sqesSize;
        byte* r = (byte*)rings;
        _sqHead = (uint*)(r + p.SqOff.Head);
        _sqTail = (uint*)(r + p.SqOff.Tail);
        _sqMask = *(uint*)(r + p.SqOff.RingMask);
        _sqArray = (uint*)(r + p.SqOff.Array);
        _cqHead = (uint*)(r + p.CqOff.Head);
        _cqTail = (uint*)(r + p.CqOff.Tail);
        _cqMask = *(uint*)(r + p.CqOff.RingMask);
        _cqes = (IoUringNative.Cqe*)(r + p.CqOff.Cqes);
    }

    /// <summary>One send: <paramref name="Length"/> bytes at <paramref name="Address"/> (pinned memory) to <paramref name="Fd"/>.</summary>
    public readonly record struct Request(int Fd, nint Address, int Length);

    /// <summary>
    /// True once a submission's completions did not all arrive (not seen with a live ring): the caller must stop using
    /// this ring, since a late completion could still come.
    /// </summary>
    public bool Broken { get; private set; }

    /// <summary>A ring for the calling thread, or null (with the errno) where io_uring cannot be used.</summary>
    public static SendRing? TryCreate(out int errno)
    {
        errno = 0;
        if (!EpollNative.IsSupported)
        {
            return null;
        }
        // Linux 6.1 or later (IORING_SETUP_DEFER_TASKRUN): completions are posted only inside this thread's
        // io_uring_enter, and a send with MSG_DONTWAIT completes (-EAGAIN) instead of waiting for room.
        var p = new IoUringNative.Params { Flags = IoUringNative.SetupSingleIssuer | IoUringNative.SetupDeferTaskrun };
        int fd = IoUringNative.Setup(Capacity, ref p);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        if ((p.Features & IoUringNative.FeatSingleMmap) == 0)
        {
            EpollNative.Close(fd);
            errno = IoUringNative.EInval;
            return null;
        }
        nuint ringsSize = Math.Max(p.SqOff.Array + (p.SqEntries * sizeof(uint)), p.CqOff.Cqes + (p.CqEntries * (uint)sizeof(IoUringNative.Cqe)));
        nuint sqesSize = p.SqEntries * (uint)sizeof(IoUringNative.Sqe);
        const int prot = IoUringNative.ProtRead | IoUringNative.ProtWrite;
        const int map = IoUringNative.MapShared | IoUringNative.MapPopulate;
        nint rings = IoUringNative.Mmap(0, ringsSize, prot, map, fd, IoUringNative.OffSqRing);
        nint sqes = rings == -1 ? -1 : IoUringNative.Mmap(0, sqesSize, prot, map, fd, IoUringNative.OffSqes);
        if (rings == -1 || sqes == -1)
        {
            errno = Marshal.GetLastPInvokeError();
            if (rings != -1)
            {
                IoUringNative.Munmap(rings, ringsSize);
            }
            EpollNative.Close(fd);
            return null;
        }
        return new SendRing(fd, p, rings, ringsSize, sqes, sqesSize);
    }

    /// <summary>
    /// Sends every request (at most <see cref="Capacity"/>) with <c>MSG_DONTWAIT | MSG_NOSIGNAL</c> in one submission and
    /// returns when all completed: <paramref name="results"/>[i] is the byte count the kernel took for request i, a
    /// negative errno (<c>-EAGAIN</c>: its buffer is full), or <see cref="NotSubmitted"/> when the kernel refused the
    /// entry (the caller sends it with <c>send()</c>). Returns false when io_uring failed as a whole (nothing was taken).
    /// </summary>
    public bool SendAll(ReadOnlySpan<Request> requests, Span<int> results)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = Math.Min(requests.Length, Capacity);
        results[..n].Fill(NotSubmitted);
        _submission++;
        uint tail = *_sqTail;
        var sqes = (IoUringNative.Sqe*)_sqes;
        for (int i = 0; i < n; i++)
        {
            uint index = tail & _sqMask;
            sqes[index] = new IoUringNative.Sqe
            {
                Opcode = IoUringNative.OpSend,
                Fd = requests[i].Fd,
                Address = (ulong)requests[i].Address,
                Length = (uint)requests[i].Length,
                MsgFlags = (uint)(EpollNative.MsgDontWait | EpollNative.MsgNoSignal),
                UserData = ((ulong)_submission << 32) | (uint)i,
            };
            _sqArray[index] = index;
            tail++;
        }
        Volatile.Write(ref *_sqTail, tail);
        int submitted;
        while (true)
        {
            submitted = IoUringNative.Enter(_fd, (uint)n, (uint)n, IoUringNative.EnterGetEvents);
            if (submitted >= 0 || Marshal.GetLastPInvokeError() != EpollNative.EIntr)
            {
                break;
            }
        }
        if (submitted < n)
        {
            // Entries the kernel did not take stay in the queue: take them back (only this thread submits).
            Volatile.Write(ref *_sqTail, Volatile.Read(ref *_sqHead));
        }
        if (submitted <= 0)
        {
            return false;
        }
        int reaped = Reap(results);
        while (reaped < submitted)
        {
            int r = IoUringNative.Enter(_fd, 0, (uint)(submitted - reaped), IoUringNative.EnterGetEvents);
            if (r < 0 && Marshal.GetLastPInvokeError() is not (EpollNative.EIntr or EpollNative.EAgain or IoUringNative.EBusy))
            {
                break; // not seen with a live ring
            }
            reaped += Reap(results);
        }
        // A taken entry without a completion may have been sent in part: never send it again (the stream would be
        // corrupt); its socket fails.
        for (int i = 0; i < submitted; i++)
        {
            if (results[i] == NotSubmitted)
            {
                results[i] = -IoUringNative.EIo;
                Broken = true;
            }
        }
        return true;
    }

    private int Reap(Span<int> results)
    {
        uint head = *_cqHead;
        uint tail = Volatile.Read(ref *_cqTail);
        int count = 0;
        while (head != tail)
        {
            IoUringNative.Cqe cqe = _cqes[head & _cqMask];
            int index = (int)(uint)cqe.UserData;
            if ((uint)(cqe.UserData >> 32) == _submission && index < results.Length)
            {
                results[index] = cqe.Result;
                count++;
            }
            head++;
        }
        Volatile.Write(ref *_cqHead, head);
        return count;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        IoUringNative.Munmap(_sqes, _sqesSize);
        IoUringNative.Munmap(_rings, _ringsSize);
        EpollNative.Close(_fd);
    }
}
