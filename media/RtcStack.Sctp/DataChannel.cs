using System.Buffers;
using System.Text;
using RtcStack.Sctp.Association;
using RtcStack.Sctp.DataChannels;

namespace RtcStack.Sctp;

/// <summary>
/// A WebRTC data channel (RFC 8831) on one SCTP stream id. Events are raised outside the association
/// lock, in order, on the thread that fed the packet or fired the timer; handlers may call <see cref="Send(string)"/>.
/// </summary>
public sealed class DataChannel : IBufferedAmountSink
{
    private readonly IDataChannelHost _host;
    private long _bufferedAmount;

    internal DataChannel(IDataChannelHost host, ushort id, string label, DataChannelOptions options)
    {
        _host = host;
        Id = id;
        Label = label;
        Protocol = options.Protocol;
        Ordered = options.Ordered;
        MaxRetransmits = options.MaxRetransmits;
        MaxPacketLifeTime = options.MaxPacketLifeTime;
        Negotiated = options.Negotiated;
        Priority = options.Priority;
    }

    public ushort Id { get; }

    public string Label { get; }

    public string Protocol { get; }

    public bool Ordered { get; }

    public int? MaxRetransmits { get; }

    public TimeSpan? MaxPacketLifeTime { get; }

    public bool Negotiated { get; }

    public ushort Priority { get; }

    public DataChannelState State { get; internal set; }

    /// <summary>Bytes queued by Send and not yet handed to SCTP (W3C bufferedAmount).</summary>
    public long BufferedAmount => Interlocked.Read(ref _bufferedAmount);

    /// <summary>When <see cref="BufferedAmount"/> falls to or below this, <see cref="OnBufferedAmountLow"/> fires. Default 0.</summary>
    public long BufferedAmountLowThreshold { get; set; }

    /// <summary>Raised when queued bytes drop to <see cref="BufferedAmountLowThreshold"/> (W3C bufferedamountlow).</summary>
    public event Action<DataChannel>? OnBufferedAmountLow;

    /// <summary>Raised when the channel opens (DCEP sent or received, or association up for negotiated ones).</summary>
    public event Action<DataChannel>? OnOpen;

    /// <summary>Raised for each received message, in order for ordered channels.</summary>
    public event Action<DataChannel, DataChannelMessage>? OnMessage;

    /// <summary>Raised once when both stream directions are reset or the association closed.</summary>
    public event Action<DataChannel>? OnClose;

    /// <summary>True once DATA_CHANNEL_ACK arrived (or negotiated): unordered sending is allowed (RFC 8832 §6).</summary>
    internal bool Acknowledged { get; set; }

    internal bool IncomingReset { get; set; }

    internal bool OutgoingReset { get; set; }

    internal bool ResetRequested { get; set; }

    /// <summary>Sends a text message (PPID 51, or 56 when empty).</summary>
    public DataChannelSendResult Send(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return _host.Send(this, PayloadProtocol.StringEmpty, [0]);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(text, rented);
            return _host.Send(this, PayloadProtocol.String, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Sends a binary message (PPID 53, or 57 when empty).</summary>
    public DataChannelSendResult Send(ReadOnlySpan<byte> data) =>
        data.IsEmpty ? _host.Send(this, PayloadProtocol.BinaryEmpty, [0]) : _host.Send(this, PayloadProtocol.Binary, data);

    /// <summary>Closes the channel by resetting its outgoing stream (RFC 8831 §6.7).</summary>
    public void Close() => _host.Close(this);

    void IBufferedAmountSink.OnBytesSent(int count)
    {
        long now = Interlocked.Add(ref _bufferedAmount, -count);
        long threshold = BufferedAmountLowThreshold;
        if (count > 0 && now <= threshold && now + count > threshold)
        {
            _host.Post(() => OnBufferedAmountLow?.Invoke(this));
        }
    }

    internal void AddBuffered(int count) => Interlocked.Add(ref _bufferedAmount, count);

    internal void RaiseOpen() => OnOpen?.Invoke(this);

    internal void RaiseMessage(DataChannelMessage message) => OnMessage?.Invoke(this, message);

    internal void RaiseClose() => OnClose?.Invoke(this);

    public override string ToString() => $"DataChannel {Id} '{Label}' {State}";
}
