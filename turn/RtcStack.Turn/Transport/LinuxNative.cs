using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The few Linux (x64) calls the UDP datapath makes directly: epoll for the relay sockets, and recvmmsg/sendmmsg
/// so that one system call moves a whole batch of datagrams.
/// </summary>
internal static unsafe partial class LinuxNative
{
    internal const int EpollIn = 0x001;
    internal const int EpollCtlAdd = 1;
    internal const int EpollCtlDel = 2;
    internal const int EpollCloexec = 0x80000;
    internal const int MsgTrunc = 0x20;
    internal const int MsgDontWait = 0x40;
    internal const int MsgWaitForOne = 0x10000;
    internal const int EIntr = 4;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        internal byte* Base;
        internal nint Length;
    }

    /// <summary>struct msghdr (56 bytes on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        internal byte* Name;
        internal int NameLength;
        internal IoVec* Iov;
        internal nint IovLength;
        internal void* Control;
        internal nint ControlLength;
        internal int Flags;
    }

    /// <summary>struct mmsghdr (64 bytes on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        internal MsgHdr Header;
        internal uint Length;
    }

    /// <summary>struct epoll_event, packed on x86-64 (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        internal uint Events;
        internal ulong Data;
    }

    /// <summary>True where the layouts above are right and the calls exist.</summary>
    internal static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int EpollCreate(int flags);

    /// <summary><paramref name="count"/> close-on-exec epoll instances, or null (none left open) if one fails.</summary>
    internal static int[]? CreateEpolls(int count)
    {
        int[] epoll = new int[count];
        for (int i = 0; i < count; i++)
        {
            epoll[i] = EpollCreate(EpollCloexec);
            if (epoll[i] < 0)
            {
                for (int j = 0; j < i; j++)
                {
                    _ = Close(epoll[j]);
                }
                return null;
            }
        }
        return epoll;
    }

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint RecvFrom(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Close(int fd);
}
