using System.Buffers;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Reassembles DATA fragments into messages (RFC 9260 §6.9) and delivers them: unordered ones as soon
/// as complete, ordered ones in per-stream SSN order (§6.6). Fragment payloads live in pooled buffers;
/// <see cref="BufferedBytes"/> is what the advertised receiver window subtracts.
/// </summary>
internal sealed class ReassemblyQueue
{
    private readonly Dictionary<uint, Fragment> _fragments = [];
    private readonly Dictionary<ushort, InboundStream> _streams = [];
    private readonly Action<ushort, uint, byte[]> _deliver;
    private readonly int _maxMessageSize;

    public ReassemblyQueue(int maxMessageSize, Action<ushort, uint, byte[]> deliver)
    {
        _maxMessageSize = maxMessageSize;
        _deliver = deliver;
    }

    /// <summary>Bookkeeping charged per held fragment or message, so tiny chunks cannot hold memory cheaply.</summary>
    public const int Overhead = 64;

    /// <summary>Bytes held (payload plus <see cref="Overhead"/> per item), subtracted from a_rwnd.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>Messages dropped because they exceeded the maximum message size.</summary>
    public long OversizedMessages { get; private set; }

    public void Add(in DataChunk chunk)
    {
        byte[] data = ArrayPool<byte>.Shared.Rent(chunk.UserData.Length);
        chunk.UserData.CopyTo(data);
        var fragment = new Fragment(chunk.StreamId, chunk.StreamSequenceNumber, chunk.PayloadProtocolId, chunk.Flags, data, chunk.UserData.Length);
        _fragments[chunk.Tsn] = fragment;
        BufferedBytes += Cost(fragment.Length);
        TryAssemble(chunk.Tsn, fragment);
    }

    /// <summary>FORWARD-TSN (RFC 3758 §3.6): drop fragments up to the new cumulative TSN, skip SSNs.</summary>
    public void Forward(uint newCumulativeTsn, in ForwardTsnChunk chunk)
    {
        List<uint>? stale = null;
        foreach (uint tsn in _fragments.Keys)
        {
            if (SerialNumber.Le(tsn, newCumulativeTsn))
            {
                (stale ??= []).Add(tsn);
            }
        }

        if (stale is not null)
        {
            foreach (uint tsn in stale)
            {
                Release(tsn);
            }
        }

        ReleaseAbandonedContinuation(newCumulativeTsn);

        for (int i = 0; i < chunk.StreamCount; i++)
        {
            (ushort streamId, ushort ssn) = chunk.GetStream(i);
            InboundStream stream = GetStream(streamId);
            while (SerialNumber.Le(stream.NextSsn, ssn))
            {
                if (stream.Pending.Remove(stream.NextSsn, out Completed message))
                {
                    DeliverCompleted(streamId, message);
                }

                stream.NextSsn++;
            }

            DeliverInOrder(streamId, stream);
        }
    }

    /// <summary>
    /// Fragments right above the new cumulative TSN that lack the B bit continue a message that began at or
    /// below it, i.e. an abandoned one (a message's fragments have consecutive TSNs, RFC 9260 §6.9). A sender
    /// may leave them out of FORWARD-TSN because they were already gap-acked; they can never complete, so they
    /// go too. The walk stops at the first B fragment, at a missing TSN, or after the E fragment.
    /// </summary>
    private void ReleaseAbandonedContinuation(uint newCumulativeTsn)
    {
        for (uint tsn = newCumulativeTsn + 1; _fragments.TryGetValue(tsn, out Fragment f) && (f.Flags & DataChunk.FlagBeginning) == 0; tsn++)
        {
            Release(tsn);
            if ((f.Flags & DataChunk.FlagEnd) != 0)
            {
                break;
            }
        }
    }

    /// <summary>Incoming SSN reset (RFC 6525 §5.2.2): the next SSN expected on these streams is 0.</summary>
    public void ResetStream(ushort streamId)
    {
        if (_streams.Remove(streamId, out InboundStream? stream))
        {
            foreach (Completed c in stream.Pending.Values)
            {
                BufferedBytes -= Cost(c.Data?.Length ?? 0);
            }
        }
    }

    public void Clear()
    {
        foreach (Fragment f in _fragments.Values)
        {
            ArrayPool<byte>.Shared.Return(f.Data);
        }

        _fragments.Clear();
        _streams.Clear();
        BufferedBytes = 0;
    }

    private void TryAssemble(uint tsn, Fragment fragment)
    {
        // Walk forward to the end fragment first: while fragments arrive in order this stops at once,
        // so a message costs O(fragments), not O(fragments²).
        uint last = tsn;
        Fragment f = fragment;
        while ((f.Flags & DataChunk.FlagEnd) == 0)
        {
            if (!_fragments.TryGetValue(last + 1, out Fragment next) || !SameMessage(next, fragment) || (next.Flags & DataChunk.FlagBeginning) != 0)
            {
                return;
            }

            last++;
            f = next;
        }

        uint first = tsn;
        f = fragment;
        while ((f.Flags & DataChunk.FlagBeginning) == 0)
        {
            if (!_fragments.TryGetValue(first - 1, out Fragment prev) || !SameMessage(prev, fragment) || (prev.Flags & DataChunk.FlagEnd) != 0)
            {
                return;
            }

            first--;
            f = prev;
        }

        long total = fragment.Length;
        for (uint t = first; t != last + 1; t++)
        {
            total += t == tsn ? 0 : _fragments[t].Length;
        }

        byte[]? message = total <= _maxMessageSize ? new byte[total] : null;
        int offset = 0;
        for (uint t = first; t != last + 1; t++)
        {
            Fragment part = _fragments[t];
            if (message is not null)
            {
                part.Data.AsSpan(0, part.Length).CopyTo(message.AsSpan(offset));
            }

            offset += part.Length;
            Release(t);
        }

        Complete(fragment, message);
    }

    private void Complete(Fragment fragment, byte[]? message)
    {
        if (message is null)
        {
            OversizedMessages++;
        }

        if ((fragment.Flags & DataChunk.FlagUnordered) != 0)
        {
            if (message is not null)
            {
                _deliver(fragment.StreamId, fragment.Ppid, message);
            }

            return;
        }

        InboundStream stream = GetStream(fragment.StreamId);
        if (fragment.Ssn == stream.NextSsn)
        {
            if (message is not null)
            {
                _deliver(fragment.StreamId, fragment.Ppid, message);
            }

            stream.NextSsn++;
            DeliverInOrder(fragment.StreamId, stream);
        }
        else if (SerialNumber.Lt(stream.NextSsn, fragment.Ssn))
        {
            stream.Pending[fragment.Ssn] = new Completed(fragment.Ppid, message);
            BufferedBytes += Cost(message?.Length ?? 0);
        }
    }

    private void DeliverInOrder(ushort streamId, InboundStream stream)
    {
        while (stream.Pending.Remove(stream.NextSsn, out Completed next))
        {
            DeliverCompleted(streamId, next);
            stream.NextSsn++;
        }
    }

    private void DeliverCompleted(ushort streamId, Completed message)
    {
        BufferedBytes -= Cost(message.Data?.Length ?? 0);
        if (message.Data is not null)
        {
            _deliver(streamId, message.Ppid, message.Data);
        }
    }

    private void Release(uint tsn)
    {
        if (_fragments.Remove(tsn, out Fragment f))
        {
            BufferedBytes -= Cost(f.Length);
            ArrayPool<byte>.Shared.Return(f.Data);
        }
    }

    private InboundStream GetStream(ushort streamId)
    {
        if (!_streams.TryGetValue(streamId, out InboundStream? stream))
        {
            stream = new InboundStream();
            _streams[streamId] = stream;
        }

        return stream;
    }

    private static long Cost(int length) => length + Overhead;

    private static bool SameMessage(Fragment a, Fragment b) =>
        a.StreamId == b.StreamId && ((a.Flags ^ b.Flags) & DataChunk.FlagUnordered) == 0
        && ((a.Flags & DataChunk.FlagUnordered) != 0 || a.Ssn == b.Ssn);

    private readonly record struct Fragment(ushort StreamId, ushort Ssn, uint Ppid, byte Flags, byte[] Data, int Length);

    private readonly record struct Completed(uint Ppid, byte[]? Data);

    private sealed class InboundStream
    {
        public ushort NextSsn { get; set; }

        public Dictionary<ushort, Completed> Pending { get; } = [];
    }
}
