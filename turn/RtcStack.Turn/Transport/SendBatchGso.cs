using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// UDP GSO for <see cref="SendBatch"/> (UDP_SEGMENT, Linux 4.18+): whether the kernel has it, the control message
/// that carries the segment size, and the sendmmsg loop that sends a refused GSO run again datagram by datagram.
/// </summary>
internal static unsafe class SendBatchGso
{
    /// <summary>CMSG_SPACE(sizeof(ushort)) on x86-64: 16-byte cmsghdr + data padded to 8.</summary>
    internal const int ControlSize = 24;

    private const int SolUdp = 17, UdpSegment = 103;
    private const int EIo = 5, ENoProtoOpt = 92, EOpNotSupp = 95;

    private static volatile bool s_disabled = !KernelHasUdpGso();

    /// <summary>False when runs must not be merged (tests; also when the kernel lacks or refuses UDP GSO).</summary>
    internal static bool Enabled
    {
        get => !s_disabled;
        set => s_disabled = !value;
    }

    /// <summary>
    /// Linux 4.18+ answers getsockopt(UDP_SEGMENT). An older kernel would ignore the control message and send a run
    /// as one large datagram, so GSO is used only where the option exists.
    /// </summary>
    private static bool KernelHasUdpGso()
    {
        if (!LinuxNative.IsSupported)
        {
            return false;
        }
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            Span<byte> value = stackalloc byte[sizeof(int)];
            return probe.GetRawSocketOption(SolUdp, UdpSegment, value) == sizeof(int);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Writes the constant part of a UDP_SEGMENT control message (level, type, length) at <paramref name="control"/>.</summary>
    internal static void InitControl(byte* control)
    {
        var cmsg = (long*)control;
        cmsg[0] = 16 + sizeof(ushort); // cmsg_len = CMSG_LEN(2)
        ((int*)cmsg)[2] = SolUdp;
        ((int*)cmsg)[3] = UdpSegment;
    }

    /// <summary>
    /// Sends <paramref name="messages"/> messages on <paramref name="fd"/>; a message with several datagrams carries the
    /// segment size in its control message (<paramref name="control"/>, <see cref="ControlSize"/> bytes per message).
    /// A datagram the kernel refuses is dropped (UDP may drop); a refused GSO run is sent again one by one.
    /// </summary>
    internal static void Send(int fd, LinuxNative.MMsgHdr* headers, int messages, byte* control)
    {
        for (int m = 0; m < messages; m++)
        {
            ref LinuxNative.MsgHdr header = ref headers[m].Header;
            bool gso = header.IovLength > 1;
            header.Control = gso ? control + (m * ControlSize) : null;
            header.ControlLength = gso ? ControlSize : 0;
            if (gso)
            {
                *(ushort*)(control + (m * ControlSize) + 16) = (ushort)header.Iov[0].Length;
            }
        }
        int sent = 0;
        while (sent < messages)
        {
            int n = LinuxNative.SendMmsg(fd, headers + sent, (uint)(messages - sent), 0);
            if (n > 0)
            {
                sent += n;
                continue;
            }
            // The first unsent message failed. UDP may drop one datagram, but a refused GSO run (path MTU below the
            // segment size, IPsec, a kernel without UDP GSO) is sent again datagram by datagram.
            int errno = Marshal.GetLastPInvokeError();
            if (headers[sent].Header.IovLength > 1)
            {
                if (errno is EIo or ENoProtoOpt or EOpNotSupp)
                {
                    s_disabled = true;
                }
                SendEach(fd, ref headers[sent].Header);
            }
            sent++;
        }
    }

    /// <summary>Sends the datagrams of one refused GSO run one by one, to the same destination.</summary>
    private static void SendEach(int fd, ref LinuxNative.MsgHdr run)
    {
        int count = (int)run.IovLength;
        var single = default(LinuxNative.MMsgHdr);
        single.Header.Name = run.Name;
        single.Header.NameLength = run.NameLength;
        single.Header.IovLength = 1;
        for (int i = 0; i < count; i++)
        {
            single.Header.Iov = run.Iov + i;
            _ = LinuxNative.SendMmsg(fd, &single, 1, 0);
        }
    }
}
