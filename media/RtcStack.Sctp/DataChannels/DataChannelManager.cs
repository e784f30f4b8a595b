using System.Text;
using RtcStack.Sctp.Association;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.DataChannels;

/// <summary>
/// Data channels of one association (RFC 8831, RFC 8832): stream id allocation by DTLS role (even for
/// the DTLS client, odd for the server), DCEP open/ack, message framing by PPID, and closing by stream
/// reset in both directions (RFC 8831 §6.7). Runs under the association lock.
/// </summary>
internal sealed class DataChannelManager
{
    private readonly Dictionary<ushort, DataChannel> _channels = [];
    private readonly AssociationCore _core;
    private readonly IDataChannelHost _host;
    private readonly Action<DataChannel> _accepted;

    public DataChannelManager(AssociationCore core, IDataChannelHost host, Action<DataChannel> accepted)
    {
        _core = core;
        _host = host;
        _accepted = accepted;
    }

    public int Count => _channels.Count;

    public DataChannel Create(string label, DataChannelOptions options)
    {
        if (options.MaxRetransmits is not null && options.MaxPacketLifeTime is not null)
        {
            throw new ArgumentException("MaxRetransmits and MaxPacketLifeTime are exclusive.", nameof(options));
        }

        ushort id = options.Id ?? (options.Negotiated
            ? throw new ArgumentException("A negotiated channel needs an Id.", nameof(options))
            : AllocateId());
        if (_channels.ContainsKey(id))
        {
            throw new InvalidOperationException($"Stream id {id} is in use.");
        }

        var channel = new DataChannel(_host, id, label, options) { Acknowledged = options.Negotiated };
        _channels[id] = channel;
        if (_core.IsEstablished)
        {
            Announce(channel);
        }

        return channel;
    }

    /// <summary>Association established: announce channels created before.</summary>
    public void OnEstablished()
    {
        foreach (DataChannel channel in _channels.Values)
        {
            if (channel.State == DataChannelState.Connecting)
            {
                Announce(channel);
            }
        }
    }

    public DataChannelSendResult Send(DataChannel channel, uint ppid, ReadOnlySpan<byte> data)
    {
        if (channel.State != DataChannelState.Open || !_core.CanAcceptData)
        {
            return DataChannelSendResult.NotOpen;
        }

        int limit = _core.Options.MaxSendMessageSize;
        if (limit > 0 && data.Length > limit)
        {
            return DataChannelSendResult.TooLarge;
        }

        long? expires = channel.MaxPacketLifeTime is TimeSpan life ? _core.NowMs + (long)life.TotalMilliseconds : null;
        bool unordered = !channel.Ordered && channel.Acknowledged;
        channel.AddBuffered(data.Length);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        _core.EnqueueMessage(new OutgoingMessage(channel.Id, ppid, buffer, unordered, channel.MaxRetransmits, expires, channel, data.Length, pooled: true));
        return DataChannelSendResult.Queued;
    }

    public void Close(DataChannel channel)
    {
        if (channel.State is DataChannelState.Closed or DataChannelState.Closing)
        {
            return;
        }

        if (channel.State == DataChannelState.Connecting || !_core.IsEstablished)
        {
            Finish(channel);
            return;
        }

        channel.State = DataChannelState.Closing;
        RequestReset(channel);
    }

    public void OnMessage(ushort streamId, uint ppid, byte[] data)
    {
        if (ppid == PayloadProtocol.Dcep)
        {
            OnDcep(streamId, data);
            return;
        }

        if (!_channels.TryGetValue(streamId, out DataChannel? channel) || channel.State is DataChannelState.Closed)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        DataChannelMessage message = ppid switch
        {
            PayloadProtocol.String or PayloadProtocol.StringPartialDeprecated => new DataChannelMessage(data, true),
            PayloadProtocol.StringEmpty => new DataChannelMessage(ReadOnlyMemory<byte>.Empty, true),
            PayloadProtocol.BinaryEmpty => new DataChannelMessage(ReadOnlyMemory<byte>.Empty, false),
            _ => new DataChannelMessage(data, false),
        };
        _core.Stats.MessagesReceived++;
        _core.Post(() => channel.RaiseMessage(message));
    }

    /// <summary>The peer reset its outgoing stream (our incoming): close our side too (RFC 8831 §6.7).</summary>
    public void OnIncomingStreamReset(ushort streamId)
    {
        if (!_channels.TryGetValue(streamId, out DataChannel? channel))
        {
            return;
        }

        channel.IncomingReset = true;
        if (channel.State == DataChannelState.Open)
        {
            channel.State = DataChannelState.Closing;
        }

        RequestReset(channel);
        if (channel.OutgoingReset)
        {
            Finish(channel);
        }
    }

    /// <summary>Our outgoing stream reset was performed by the peer.</summary>
    public void OnOutgoingStreamReset(ushort streamId)
    {
        if (!_channels.TryGetValue(streamId, out DataChannel? channel))
        {
            return;
        }

        channel.OutgoingReset = true;
        if (channel.IncomingReset)
        {
            Finish(channel);
        }
    }

    public void OnAssociationClosed()
    {
        foreach (DataChannel channel in _channels.Values.ToList())
        {
            Finish(channel);
        }
    }

    private void RequestReset(DataChannel channel)
    {
        if (!channel.ResetRequested)
        {
            channel.ResetRequested = true;
            _core.RequestStreamReset(channel.Id);
        }
    }

    private void Finish(DataChannel channel)
    {
        _channels.Remove(channel.Id);
        if (channel.State == DataChannelState.Closed)
        {
            return;
        }

        channel.State = DataChannelState.Closed;
        _core.Post(channel.RaiseClose);
    }

    private void Announce(DataChannel channel)
    {
        if (!channel.Negotiated)
        {
            byte type = (byte)((channel.Ordered ? 0 : 0x80) | (channel.MaxRetransmits is not null ? 1 : channel.MaxPacketLifeTime is not null ? 2 : 0));
            uint reliability = (uint)(channel.MaxRetransmits ?? (int)(channel.MaxPacketLifeTime?.TotalMilliseconds ?? 0));
            byte[] open = DcepMessage.CreateOpen(type, channel.Priority, reliability, channel.Label, channel.Protocol);
            _core.EnqueueMessage(new OutgoingMessage(channel.Id, PayloadProtocol.Dcep, open, false, null, null, null));
        }

        channel.State = DataChannelState.Open;
        _core.Post(channel.RaiseOpen);
    }

    private void OnDcep(ushort streamId, byte[] data)
    {
        if (DcepMessage.TryRead(data, out DcepMessage message) != SctpReadResult.Ok)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        if (message.MessageType == DcepMessage.TypeAck)
        {
            if (_channels.TryGetValue(streamId, out DataChannel? acked))
            {
                acked.Acknowledged = true;
            }

            return;
        }

        if (_channels.ContainsKey(streamId))
        {
            _core.Stats.ChunksDropped++; // RFC 8832 §6: an OPEN for a stream in use is an error; ignore it.
            return;
        }

        int kind = message.ChannelType & 0x7F;
        var options = new DataChannelOptions
        {
            Ordered = (message.ChannelType & 0x80) == 0,
            MaxRetransmits = kind == 1 ? (int)Math.Min(message.ReliabilityParameter, int.MaxValue) : null,
            MaxPacketLifeTime = kind == 2 ? TimeSpan.FromMilliseconds(message.ReliabilityParameter) : null,
            Protocol = Encoding.UTF8.GetString(message.Protocol),
            Priority = message.Priority,
        };
        var channel = new DataChannel(_host, streamId, Encoding.UTF8.GetString(message.Label), options)
        {
            Acknowledged = true,
            State = DataChannelState.Open,
        };
        _channels[streamId] = channel;
        _core.EnqueueMessage(new OutgoingMessage(streamId, PayloadProtocol.Dcep, DcepMessage.CreateAck(), false, null, null, null));
        _core.Post(() =>
        {
            _accepted(channel);
            channel.RaiseOpen();
        });
    }

    private ushort AllocateId()
    {
        int limit = _core.OutboundStreams;
        for (int id = _core.Options.IsDtlsClient ? 0 : 1; id < limit; id += 2)
        {
            if (!_channels.ContainsKey((ushort)id))
            {
                return (ushort)id;
            }
        }

        throw new InvalidOperationException("No free stream id.");
    }
}
