using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// RFC 8656 §11.5 (opt-in, <see cref="TurnOptions.ReportIcmp"/>; Linux x64 relays watched by the
/// <see cref="RelayPoller"/>): the relay socket gets IP_RECVERR / IPV6_RECVERR, so ICMP errors caused by datagrams
/// it sent are queued on its error queue and epoll reports EPOLLERR; the poller calls <see cref="Drain"/>, which reads
/// each error with recvmsg(MSG_ERRQUEUE) and, for ICMPv4 types 3 and 11 or ICMPv6 types 1-3 about a peer that has a
/// permission, sends the client a Data indication with XOR-PEER-ADDRESS (the datagram's destination) and ICMP (type,
/// code, error data: the MTU for "fragmentation needed" / "packet too big", else 0), without DATA.
/// </summary>
internal sealed unsafe partial class IcmpReporter(Allocation allocation, TurnState state)
{
    private const int SolIp = 0, IpRecvErr = 11, SolIpv6 = 41, Ipv6RecvErr = 25;
    private const int MsgErrQueue = 0x2000;
    private const byte OriginIcmp = 2, OriginIcmp6 = 3;
    private const int NameSize = 28, ControlSize = 256, MaxPerDrain = 16;

    /// <summary>Turns the error queue on; false when the OS refuses.</summary>
    internal static bool TryEnable(Socket socket)
    {
        bool v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        Span<byte> on = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(on, 1);
        try
        {
            socket.SetRawSocketOption(v6 ? SolIpv6 : SolIp, v6 ? Ipv6RecvErr : IpRecvErr, on);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Reads up to 16 queued errors of <paramref name="socket"/> and reports each; never throws.</summary>
    internal void Drain(Socket socket)
    {
        SafeHandle handle;
        bool added = false;
        try
        {
            handle = socket.SafeHandle;
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            byte* name = stackalloc byte[NameSize];
            byte* control = stackalloc byte[ControlSize];
            byte dummy;
            var iov = new LinuxNative.IoVec { Base = &dummy, Length = 1 };
            for (int i = 0; i < MaxPerDrain; i++)
            {
                var header = new LinuxNative.MsgHdr { Name = name, NameLength = NameSize, Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSize };
                if (RecvMsg(fd, &header, MsgErrQueue | LinuxNative.MsgDontWait) < 0)
                {
                    return; // EAGAIN: the queue is empty
                }
                if (TryReadError(new ReadOnlySpan<byte>(control, (int)header.ControlLength), out byte origin, out byte type, out byte code, out uint info)
                    && TryReadAddress(new ReadOnlySpan<byte>(name, header.NameLength), out TransportAddress peer))
                {
                    Report(peer.Normalize(), origin, type, code, info);
                }
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

    /// <summary>The sock_extended_err of an IP_RECVERR / IPV6_RECVERR control message.</summary>
    internal static bool TryReadError(ReadOnlySpan<byte> control, out byte origin, out byte type, out byte code, out uint info)
    {
        origin = type = code = 0;
        info = 0;
        int offset = 0;
        while (offset + 16 <= control.Length)
        {
            long declared = BinaryPrimitives.ReadInt64LittleEndian(control[offset..]);
            int level = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 8)..]);
            int kind = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 12)..]);
            if (declared < 16 || declared > control.Length - offset)
            {
                return false;
            }
            int length = (int)declared;
            if (((level == SolIp && kind == IpRecvErr) || (level == SolIpv6 && kind == Ipv6RecvErr)) && length >= 16 + 16)
            {
                ReadOnlySpan<byte> error = control.Slice(offset + 16, 16);
                origin = error[4];
                type = error[5];
                code = error[6];
                info = BinaryPrimitives.ReadUInt32LittleEndian(error[8..]);
                return true;
            }
            offset += (length + 7) & ~7;
        }
        return false;
    }

    /// <summary>A struct sockaddr_in / sockaddr_in6 as Linux writes it.</summary>
    internal static bool TryReadAddress(ReadOnlySpan<byte> name, out TransportAddress address)
    {
        address = default;
        if (name.Length < 8)
        {
            return false;
        }
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(name);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(name[2..]);
        return family switch
        {
            2 => TransportAddress.TryCreate(name.Slice(4, 4), port, out address),
            10 when name.Length >= 24 => TransportAddress.TryCreate(name.Slice(8, 16), port, out address),
            _ => false,
        };
    }

    private void Report(TransportAddress peer, byte origin, byte type, byte code, uint info)
    {
        // §11.5: ICMPv4 destination unreachable (3) or time exceeded (11); ICMPv6 1, 2 (packet too big) or 3.
        bool wanted = origin switch
        {
            OriginIcmp => type is 3 or 11,
            OriginIcmp6 => type is 1 or 2 or 3,
            _ => false,
        };
        long now = state.Time.GetTimestamp();
        if (!wanted || now >= allocation.Expires || !allocation.HasPermission(peer, now))
        {
            return;
        }
        bool mtu = (origin == OriginIcmp && type == 3 && code == 4) || (origin == OriginIcmp6 && type == 2);
        Span<byte> buffer = stackalloc byte[96];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Data, StunClass.Indication), TransactionId.NewRandom());
        writer.AddXorPeerAddress(peer);
        writer.AddIcmp(type, code, mtu ? info : 0);
        if (state.Options.Fingerprint)
        {
            writer.AddFingerprint();
        }
        if (writer.TryComplete(out int length))
        {
            allocation.Client.Send(buffer[..length]);
            state.Metrics.IcmpReported();
        }
    }

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint RecvMsg(int fd, LinuxNative.MsgHdr* message, int flags);
}
