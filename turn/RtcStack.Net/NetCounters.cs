namespace RtcStack.Net;

/// <summary>
/// Packet and error counters of one endpoint or listener (thread-safe reads). The same numbers are
/// published, summed per transport, on the <c>RtcStack.Net</c> meter.
/// </summary>
public sealed class NetCounters
{
    private long _packetsReceived;
    private long _bytesReceived;
    private long _packetsSent;
    private long _bytesSent;
    private long _dropped;
    private long _malformed;
    private long _handlerFailures;
    private long _receiveErrors;
    private long _sendErrors;
    private long _connectionsAccepted;

    internal NetCounters(string transport) => Transport = transport;

    /// <summary>"udp", "tcp" or "tls".</summary>
    public string Transport { get; }

    /// <summary>Datagrams or frames received.</summary>
    public long PacketsReceived => Volatile.Read(ref _packetsReceived);

    /// <summary>Bytes received.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Datagrams or frames sent.</summary>
    public long PacketsSent => Volatile.Read(ref _packetsSent);

    /// <summary>Bytes sent.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Packets a handler dropped, or that could not be queued for sending.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Malformed packets (reported by a handler, or unframeable stream data).</summary>
    public long Malformed => Volatile.Read(ref _malformed);

    /// <summary>Handler calls that threw (the packet is dropped, the loop goes on).</summary>
    public long HandlerFailures => Volatile.Read(ref _handlerFailures);

    /// <summary>Socket errors while receiving.</summary>
    public long ReceiveErrors => Volatile.Read(ref _receiveErrors);

    /// <summary>Socket errors while sending.</summary>
    public long SendErrors => Volatile.Read(ref _sendErrors);

    /// <summary>Stream connections accepted (TCP, TLS).</summary>
    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    internal void Received(int bytes)
    {
        Interlocked.Increment(ref _packetsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    internal void Sent(int bytes)
    {
        Interlocked.Increment(ref _packetsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void Count(PacketDisposition disposition)
    {
        if (disposition == PacketDisposition.Dropped)
        {
            Interlocked.Increment(ref _dropped);
        }
        else if (disposition == PacketDisposition.Malformed)
        {
            Interlocked.Increment(ref _malformed);
        }
    }

    internal void HandlerFailed() => Interlocked.Increment(ref _handlerFailures);

    internal void ReceiveFailed() => Interlocked.Increment(ref _receiveErrors);

    internal void SendFailed() => Interlocked.Increment(ref _sendErrors);

    internal void Accepted() => Interlocked.Increment(ref _connectionsAccepted);

    internal void AddTo(NetCounters total)
    {
        Interlocked.Add(ref total._packetsReceived, PacketsReceived);
        Interlocked.Add(ref total._bytesReceived, BytesReceived);
        Interlocked.Add(ref total._packetsSent, PacketsSent);
        Interlocked.Add(ref total._bytesSent, BytesSent);
        Interlocked.Add(ref total._dropped, Dropped);
        Interlocked.Add(ref total._malformed, Malformed);
        Interlocked.Add(ref total._handlerFailures, HandlerFailures);
        Interlocked.Add(ref total._receiveErrors, ReceiveErrors);
        Interlocked.Add(ref total._sendErrors, SendErrors);
        Interlocked.Add(ref total._connectionsAccepted, ConnectionsAccepted);
    }
}
