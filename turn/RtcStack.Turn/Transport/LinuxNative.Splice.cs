using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>The calls of the RFC 6062 splice relay (<see cref="TcpSplicer"/>): pipes, splice(2) and shutdown(2).</summary>
internal static unsafe partial class LinuxNative
{
    internal const uint EpollOut = 0x004;
    internal const uint EpollErr = 0x008;
    internal const uint EpollHup = 0x010;
    internal const uint EpollRdHup = 0x2000;
    internal const uint EpollEt = 0x80000000;
    internal const int OCloexec = 0x80000;
    internal const int ONonblock = 0x800;
    internal const uint SpliceMove = 1;
    internal const uint SpliceNonblock = 2;
    internal const int ShutWr = 1;
    internal const int EAgain = 11;

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Splice(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Shutdown(int fd, int how);
}
