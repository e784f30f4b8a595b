namespace RtcStack.Sctp.Association;

/// <summary>
/// Messages not yet fully given TSNs, one FIFO per stream served round-robin at message boundaries
/// (fragments of one message get consecutive TSNs, RFC 9260 §6.9). Assigns per-stream SSNs (§6.5)
/// and drops messages whose lifetime expired before their first transmission (RFC 3758 §3.1).
/// </summary>
internal sealed class SendQueue
{
    private readonly Dictionary<ushort, Queue<OutgoingMessage>> _streams = [];
    private readonly Queue<ushort> _roundRobin = new();
    private readonly Dictionary<ushort, ushort> _nextSsn = [];

    /// <summary>Bytes queued and not yet cut into chunks.</summary>
    public long QueuedBytes { get; private set; }

    /// <summary>Messages dropped unsent because they were abandoned or expired.</summary>
    public long DroppedMessages { get; private set; }

    public bool IsEmpty => _roundRobin.Count == 0;

    public void Enqueue(OutgoingMessage message)
    {
        if (!_streams.TryGetValue(message.StreamId, out Queue<OutgoingMessage>? queue))
        {
            queue = new Queue<OutgoingMessage>();
            _streams[message.StreamId] = queue;
        }

        if (queue.Count == 0)
        {
            _roundRobin.Enqueue(message.StreamId);
        }

        queue.Enqueue(message);
        QueuedBytes += message.Length;
    }

    public bool HasPending(ushort streamId) => _streams.TryGetValue(streamId, out Queue<OutgoingMessage>? q) && q.Count > 0;

    /// <summary>The message the next fragment comes from, after dropping expired or abandoned heads.</summary>
    public OutgoingMessage? Peek(long nowMs)
    {
        while (_roundRobin.TryPeek(out ushort streamId))
        {
            Queue<OutgoingMessage> queue = _streams[streamId];
            OutgoingMessage head = queue.Peek();
            if (head.Abandoned || (!head.HasStarted && head.IsExpired(nowMs)))
            {
                int rest = head.Length - head.NextOffset;
                QueuedBytes -= rest;
                head.Owner?.OnBytesSent(rest);
                if (!head.Abandoned)
                {
                    DroppedMessages++; // expired before its first fragment; otherwise counted where abandoned
                }

                head.Abandoned = true;
                head.Removed = true;
                RemoveHead(streamId, queue);
                head.TryRelease();
                continue;
            }

            return head;
        }

        return null;
    }

    /// <summary>Cuts the next fragment of <paramref name="message"/> (from <see cref="Peek"/>).</summary>
    public (int Offset, int Length, byte Flags) TakeFragment(OutgoingMessage message, int maxPayload)
    {
        byte flags = message.Unordered ? Packets.DataChunk.FlagUnordered : (byte)0;
        int offset = message.NextOffset;
        if (offset == 0)
        {
            flags |= Packets.DataChunk.FlagBeginning;
            if (!message.Unordered)
            {
                ushort ssn = _nextSsn.GetValueOrDefault(message.StreamId);
                message.Ssn = ssn;
                _nextSsn[message.StreamId] = (ushort)(ssn + 1);
            }
        }

        int length = Math.Min(maxPayload, message.Length - offset);
        message.NextOffset = offset + length;
        QueuedBytes -= length;
        message.Owner?.OnBytesSent(length);
        if (message.FullyFragmented)
        {
            flags |= Packets.DataChunk.FlagEnd;
            RemoveHead(message.StreamId, _streams[message.StreamId]);
        }

        return (offset, length, flags);
    }

    /// <summary>Outgoing SSN reset performed (RFC 6525 §5.2.4): the stream restarts at SSN 0.</summary>
    public void ResetSsn(ushort streamId) => _nextSsn.Remove(streamId);

    private void RemoveHead(ushort streamId, Queue<OutgoingMessage> queue)
    {
        queue.Dequeue();
        _roundRobin.Dequeue();
        if (queue.Count > 0)
        {
            _roundRobin.Enqueue(streamId);
        }
        else
        {
            _streams.Remove(streamId);
        }
    }
}
