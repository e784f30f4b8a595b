using System.Runtime.InteropServices;

namespace RtcStack.Server.Engine;

/// <summary>
/// The io_uring system calls and layouts (Linux x86-64, <c>include/uapi/linux/io_uring.h</c>) that <see cref="SendRing"/>
/// needs: setup, enter, the ring offsets, one submission entry and one completion entry.
/// </summary>
internal static partial class IoUringNative
{
    public const int SysSetup = 425;
    public const int SysEnter = 426;
    public const uint SetupSingleIssuer = 1U << 12;
    public const uint SetupDeferTaskrun = 1U << 13;
    public const uint FeatSingleMmap = 1U << 0;
    public const uint EnterGetEvents = 1U << 0;
    public const byte OpSend = 26;
    public const long OffSqRing = 0;
    public const long OffSqes = 0x10000000;
    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapShared = 0x01;
    public const int MapPopulate = 0x08000;
    public const int EInval = 22;
    public const int EBusy = 16;
    public const int EIo = 5;

    /// <summary>struct io_sqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SqRingOffsets
    {
        public uint Head;
        public uint Tail;
        public uint RingMask;
        public uint RingEntries;
        public uint Flags;
        public uint Dropped;
        public uint Array;
        public uint Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_cqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CqRingOffsets
    {
        public uint Head;
        public uint Tail;
        public uint RingMask;
        public uint RingEntries;
        public uint Overflow;
        public uint Cqes;
        public uint Flags;
        public uint Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Params
    {
        public uint SqEntries;
        public uint CqEntries;
        public uint Flags;
        public uint SqThreadCpu;
        public uint SqThreadIdle;
        public uint Features;
        public uint WqFd;
        public uint Resv0;
        public uint Resv1;
        public uint Resv2;
        public SqRingOffsets SqOff;
        public CqRingOffsets CqOff;
    }

    /// <summary>struct io_uring_sqe (64 bytes), the fields a send uses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(1)] public byte Flags;
        [FieldOffset(2)] public ushort IoPrio;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(8)] public ulong Offset;
        [FieldOffset(16)] public ulong Address;
        [FieldOffset(24)] public uint Length;
        [FieldOffset(28)] public uint MsgFlags;
        [FieldOffset(32)] public ulong UserData;
        [FieldOffset(40)] public ushort BufIndex;
        [FieldOffset(42)] public ushort Personality;
        [FieldOffset(44)] public int SpliceFdIn;
        [FieldOffset(48)] public ulong Address3;
        [FieldOffset(56)] public ulong Pad;
    }

    /// <summary>struct io_uring_cqe (16 bytes, no CQE32).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Cqe
    {
        public ulong UserData;
        public int Result;
        public uint Flags;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial long Syscall2(long number, uint entries, ref Params p);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial long Syscall6(long number, int fd, uint toSubmit, uint minComplete, uint flags, nint sig, nint sigSize);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Munmap(nint address, nuint length);

    /// <summary>io_uring_setup: the ring's descriptor, or -1 (errno via <see cref="Marshal.GetLastPInvokeError"/>).</summary>
    public static int Setup(uint entries, ref Params p) => (int)Syscall2(SysSetup, entries, ref p);

    /// <summary>io_uring_enter without a signal mask: submitted count, or -1 (errno via <see cref="Marshal.GetLastPInvokeError"/>).</summary>
    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags) => (int)Syscall6(SysEnter, fd, toSubmit, minComplete, flags, 0, 0);
}
