using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Tests;

/// <summary>UDP sockets bound to a free loopback port for the real-socket datapath tests.</summary>
internal static class LoopbackUdp
{
    /// <summary>A socket on 127.0.0.1 (free port), 10 s receive timeout; a receive buffer of <paramref name="receiveBufferSize"/> when not 0.</summary>
    public static Socket Bound(int receiveBufferSize = 0)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.ReceiveTimeout = 10_000;
        if (receiveBufferSize > 0)
        {
            s.ReceiveBufferSize = receiveBufferSize;
        }
        return s;
    }
}
