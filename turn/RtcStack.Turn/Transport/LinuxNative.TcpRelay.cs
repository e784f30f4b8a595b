using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The calls of the RFC 6062 relay (<see cref="TcpRelayLoop"/>): recv, send and shutdown(2), and the epoll flags it
/// and the stream readers use.
/// </summary>
internal static unsafe partial class LinuxNative
{
    internal const uint EpollOut = 0x004;
    internal const uint EpollErr = 0x008;
    internal const uint EpollHup = 0x010;
    internal const uint EpollRdHup = 0x2000;
    internal const uint EpollEt = 0x80000000;
    internal const int MsgNoSignal = 0x4000;
    internal const int ShutWr = 1;
    internal const int EAgain = 11;

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Shutdown(int fd, int how);
}
