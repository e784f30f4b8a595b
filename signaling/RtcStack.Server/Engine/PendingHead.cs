using System.Net.Sockets;

namespace RtcStack.Server.Engine;

/// <summary>An accepted socket whose request head the engine is still reading (see <see cref="EpollHandshake"/>).</summary>
internal sealed class PendingHead(Socket socket, EpollListener listener)
{
    public Socket Socket { get; } = socket;

    public int Fd { get; } = (int)socket.SafeHandle.DangerousGetHandle();

    public EpollListener Listener { get; } = listener;

    /// <summary>The loop's slot (epoll data) for this socket.</summary>
    public int Slot { get; set; }

    /// <summary><see cref="Environment.TickCount64"/> by which the first byte (then the whole head) must have arrived.</summary>
    public long Deadline { get; set; }

    /// <summary>At least one byte arrived.</summary>
    public bool Started { get; set; }

    /// <summary>Closes the socket and gives its connection slot back.</summary>
    public void CloseSocket()
    {
        Socket.Dispose();
        Listener.Release();
    }
}
