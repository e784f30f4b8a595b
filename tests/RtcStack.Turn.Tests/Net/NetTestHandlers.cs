using System.Collections.Concurrent;
using RtcStack.Net;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Net;

/// <summary>Echoes each datagram back to its source.</summary>
internal sealed class EchoDatagramHandler : IDatagramHandler
{
    public PacketDisposition OnDatagram(UdpEndpoint endpoint, ReadOnlySpan<byte> datagram, in TransportAddress source)
    {
        if (datagram.Length > 0 && datagram[0] == 0xFF)
        {
            return PacketDisposition.Malformed;
        }

        if (datagram.Length > 0 && datagram[0] == 0xEE)
        {
            throw new InvalidOperationException("handler bug");
        }

        endpoint.Send(datagram, source);
        return PacketDisposition.Handled;
    }
}

/// <summary>Records datagrams and counts them without allocating on the hot path (when Keep is false).</summary>
internal sealed class RecordingDatagramHandler : IDatagramHandler
{
    private long _count;

    public bool Keep { get; init; } = true;

    public ConcurrentQueue<(byte[] Data, TransportAddress Source)> Received { get; } = new();

    public long Count => Interlocked.Read(ref _count);

    public PacketDisposition OnDatagram(UdpEndpoint endpoint, ReadOnlySpan<byte> datagram, in TransportAddress source)
    {
        if (Keep)
        {
            Received.Enqueue((datagram.ToArray(), source));
        }

        Interlocked.Increment(ref _count);
        return PacketDisposition.Handled;
    }

    public async Task WaitForAsync(long count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Count < count)
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}

/// <summary>Stream handler: echoes frames (or raw data), records everything, can switch to raw after the first frame.</summary>
internal sealed class EchoStreamHandler : IStreamHandler
{
    public bool SwitchToRawAfterFirstFrame { get; init; }

    public bool Echo { get; init; } = true;

    public ConcurrentQueue<byte[]> Frames { get; } = new();

    public ConcurrentQueue<byte[]> Raw { get; } = new();

    public TaskCompletionSource<string> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<StreamConnection> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnConnected(StreamConnection connection) => Connected.TrySetResult(connection);

    public PacketDisposition OnFrame(StreamConnection connection, ReadOnlySpan<byte> frame, StunFrameKind kind)
    {
        Frames.Enqueue(frame.ToArray());
        if (Echo)
        {
            connection.TrySend(frame);
        }

        if (SwitchToRawAfterFirstFrame)
        {
            connection.Mode = StreamFramingMode.Raw;
        }

        return PacketDisposition.Handled;
    }

    public PacketDisposition OnRawData(StreamConnection connection, ReadOnlySpan<byte> data)
    {
        Raw.Enqueue(data.ToArray());
        return PacketDisposition.Handled;
    }

    public void OnClosed(StreamConnection connection, string reason) => Closed.TrySetResult(reason);
}
