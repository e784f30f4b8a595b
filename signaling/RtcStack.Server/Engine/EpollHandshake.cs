using System.Buffers;
using System.Net;
using RtcStack.Server.Endpoints;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Engine;

/// <summary>
/// The opening handshake on the engine thread (RFC 6455 section 4.2): the head is peeked at (MSG_PEEK) until it is
/// decided, so a connection that is not a <c>GET /ws</c> upgrade (another path, TLS bytes, a malformed head) goes to
/// Kestrel with every byte still in the socket. On a TLS endpoint (<see cref="EpollListener.Tls"/>) every connection
/// goes to Kestrel: a plain-text <c>GET /ws</c> there is never upgraded. A valid upgrade is consumed and answered 101 (or 400, 403, 426, 431,
/// 503 as the Kestrel-side listener answers), then the socket becomes an <see cref="EpollWebSocket"/> and the hub runs it.
/// A head that does not start within Kestrel's keep-alive timeout is closed; one that does not complete within
/// <c>RequestHeadersTimeout</c> gets 408.
/// </summary>
internal static class EpollHandshake
{
    public static void OnReadable(EpollLoop loop, PendingHead head, bool hangup, byte[] scratch)
    {
        EpollEngine engine = loop.Engine;
        int max = Math.Min(engine.MaxHeadBytes, scratch.Length - 1);
        int n = EpollNative.Receive(head.Fd, scratch.AsSpan(0, max + 1), EpollNative.MsgPeek);
        if (n == -1)
        {
            return;
        }
        if (n <= 0)
        {
            Drop(loop, head); // closed (or failed) before a byte: nothing to answer
            return;
        }
        if (head.Listener.Tls)
        {
            HandOff(loop, head); // TLS endpoint: Kestrel's TLS middleware closes any bytes that are not a TLS handshake
            return;
        }
        if (!head.Started)
        {
            head.Started = true;
            head.Deadline = Environment.TickCount64 + (long)engine.HeadTimeout.TotalMilliseconds;
        }
        long headLength = 0;
        WebSocketHeadStatus status = engine.HostFiltering
            ? WebSocketHeadStatus.NotSignaling // AllowedHosts is set: Kestrel's pipeline applies it
            : WebSocketRequestReader.Peek(new ReadOnlySequence<byte>(scratch, 0, n), max, out headLength);
        WebSocketUpgradeRequest request = default;
        if (status == WebSocketHeadStatus.Upgrade)
        {
            status = WebSocketRequestReader.Read(scratch.AsSpan(0, (int)headLength), out request);
        }
        switch (status)
        {
            case WebSocketHeadStatus.Incomplete when !hangup:
                return;
            case WebSocketHeadStatus.Incomplete or WebSocketHeadStatus.NotSignaling:
                HandOff(loop, head);
                return;
            case WebSocketHeadStatus.TooLarge:
                Refuse(loop, head, 431, n, scratch);
                return;
            case WebSocketHeadStatus.BadRequest:
                Refuse(loop, head, 400, (int)headLength, scratch);
                return;
            case WebSocketHeadStatus.UnsupportedVersion:
                Refuse(loop, head, 426, (int)headLength, scratch);
                return;
        }
        if (SignalingAdmission.Refusal(engine.Hub, request.Origin, request.Host, engine.AllowedOrigins, engine.AdmissionLogger) is int refusal)
        {
            Refuse(loop, head, refusal, (int)headLength, scratch);
            return;
        }
        Accept(loop, head, request, (int)headLength, scratch);
    }

    /// <summary>Heads past their deadline: closed, with a 408 when some of the head arrived.</summary>
    public static void ExpireHeads(EpollLoop loop, List<PendingHead> heads, byte[] scratch)
    {
        long now = Environment.TickCount64;
        for (int i = heads.Count - 1; i >= 0; i--)
        {
            PendingHead head = heads[i];
            if (now < head.Deadline)
            {
                continue;
            }
            if (head.Started)
            {
                Refuse(loop, head, 408, scratch.Length, scratch);
            }
            else
            {
                Drop(loop, head);
            }
        }
    }

    private static void Accept(EpollLoop loop, PendingHead head, WebSocketUpgradeRequest request, int headLength, byte[] scratch)
    {
        string? subProtocol = request.OffersSubProtocol ? SignalingProtocol.SubProtocol : null;
        Consume(head, headLength, scratch);
        Span<byte> answer = stackalloc byte[WebSocketHandshakeResponse.MaxLength];
        int length = WebSocketHandshakeResponse.WriteSwitchingProtocols(answer, request.Key, subProtocol);
        if (EpollNative.SendSome(head.Fd, answer[..length]) != length)
        {
            Drop(loop, head); // a fresh socket's send buffer always takes ~150 bytes: the peer is gone
            return;
        }
        IPAddress? remote = (head.Socket.RemoteEndPoint as IPEndPoint)?.Address;
        var socket = new EpollWebSocket(loop, head.Socket, head.Slot, subProtocol, head.Listener.Release);
        loop.Upgrade(head, socket);
        loop.Engine.Run(socket, remote);
        socket.OnReadable(scratch, drain: true); // frames may have followed the head already (no new edge will say so)
    }

    private static void Refuse(EpollLoop loop, PendingHead head, int status, int consume, byte[] scratch)
    {
        Consume(head, consume, scratch); // unread bytes at close would turn the FIN into a RST and lose the answer
        Span<byte> answer = stackalloc byte[WebSocketHandshakeResponse.MaxLength];
        int length = WebSocketHandshakeResponse.WriteRefusal(answer, status);
        EpollNative.SendSome(head.Fd, answer[..length]);
        Drop(loop, head);
    }

    private static void Consume(PendingHead head, int length, byte[] scratch)
    {
        while (length > 0)
        {
            int n = EpollNative.Receive(head.Fd, scratch.AsSpan(0, Math.Min(length, scratch.Length)));
            if (n <= 0)
            {
                return;
            }
            length -= n;
        }
    }

    private static void HandOff(EpollLoop loop, PendingHead head)
    {
        loop.Unregister(head);
        head.Listener.HandOff(head.Socket);
    }

    private static void Drop(EpollLoop loop, PendingHead head)
    {
        loop.Unregister(head);
        head.CloseSocket();
    }
}
