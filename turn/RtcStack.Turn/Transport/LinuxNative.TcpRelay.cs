using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The calls of the RFC 6062 relay (<see cref="TcpRelayLoop"/>): recv, send and shutdown(2), the non-blocking
/// connect of <see cref="TcpRelayConnect"/> (socket, setsockopt, bind, connect, getsockopt), the non-blocking accept4
/// of <see cref="TcpRelayAccept"/>, and the epoll flags they and the stream readers use.
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
    internal const int ShutRdWr = 2;
    internal const int EAgain = 11;
    internal const int EInProgress = 115;
    internal const int AfInet = 2, AfInet6 = 10;
    internal const int SockStreamNonBlockCloexec = 1 | 0x800 | 0x80000; // SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC
    internal const int SolSocket = 1, SoReuseAddr = 2, SoError = 4, SoReusePort = 15;
    internal const int AcceptNonBlockCloexec = 0x800 | 0x80000; // SOCK_NONBLOCK | SOCK_CLOEXEC
    internal const int ENoMem = 12, ENFile = 23, EMFile = 24, ENoBufs = 105;

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int SetSockOpt(int fd, int level, int name, int* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int GetSockOpt(int fd, int level, int name, int* value, int* length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Bind(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Accept4(int fd, byte* address, int* addressLength, int flags);
}
