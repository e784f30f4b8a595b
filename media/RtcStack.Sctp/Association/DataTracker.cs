using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Receiver-side TSN bookkeeping (RFC 9260 §6.2): the cumulative TSN, TSNs received above it (for gap
/// ack blocks), duplicates to report, and when a SACK is due (every second packet or the delayed-ack timer).
/// </summary>
internal sealed class DataTracker
{
    /// <summary>TSNs further than this above the cumulative TSN cannot be reported in a gap block.</summary>
    public const uint MaxWindow = 65535;

    private const int MaxReportedDuplicates = 32;
    private const int MaxGapBlocks = 64;

    private readonly SortedSet<uint> _above = new(SerialNumber.TsnComparer);
    private readonly List<uint> _duplicates = [];
    private int _packetsSinceSack;

    public DataTracker(uint peerInitialTsn) => CumulativeTsn = peerInitialTsn - 1;

    public uint CumulativeTsn { get; private set; }

    public bool SackDue { get; private set; }

    public bool HasGaps => _above.Count > 0;

    /// <summary>DATA arrived since the last SACK (the delayed-ack timer should run).</summary>
    public bool HasUnacknowledged => _packetsSinceSack > 0;

    public TsnCheck Check(uint tsn)
    {
        if (SerialNumber.Le(tsn, CumulativeTsn) || _above.Contains(tsn))
        {
            return TsnCheck.Duplicate;
        }

        return tsn - CumulativeTsn > MaxWindow ? TsnCheck.OutOfWindow : TsnCheck.New;
    }

    public void AddDuplicate(uint tsn)
    {
        if (_duplicates.Count < MaxReportedDuplicates)
        {
            _duplicates.Add(tsn);
        }

        SackDue = true;
    }

    public void Add(uint tsn)
    {
        if (tsn == CumulativeTsn + 1)
        {
            CumulativeTsn = tsn;
            while (_above.Count > 0 && _above.Min == CumulativeTsn + 1)
            {
                CumulativeTsn = _above.Min;
                _above.Remove(CumulativeTsn);
            }
        }
        else
        {
            _above.Add(tsn);
            SackDue = true; // §6.7: out-of-order data is acknowledged immediately.
        }
    }

    /// <summary>Call once per received packet that carried DATA; a SACK is due every second one (§6.2).</summary>
    public void OnDataPacket()
    {
        if (++_packetsSinceSack >= 2 || _above.Count > 0)
        {
            SackDue = true;
        }
    }

    /// <summary>FORWARD-TSN (RFC 3758 §3.6): treat everything up to <paramref name="newCumulative"/> as received.</summary>
    public void ForwardTo(uint newCumulative)
    {
        if (SerialNumber.Le(newCumulative, CumulativeTsn))
        {
            return;
        }

        while (_above.Count > 0 && SerialNumber.Le(_above.Min, newCumulative))
        {
            _above.Remove(_above.Min);
        }

        CumulativeTsn = newCumulative;
        while (_above.Count > 0 && _above.Min == CumulativeTsn + 1)
        {
            CumulativeTsn = _above.Min;
            _above.Remove(CumulativeTsn);
        }

        SackDue = true;
    }

    public void RequestSack() => SackDue = true;

    /// <summary>Value length of the SACK <see cref="WriteSack"/> would write now.</summary>
    public int SackValueLength(int maxValue)
    {
        int gaps = Math.Min(CountGapBlocks(), MaxGapBlocks);
        int dups = _duplicates.Count;
        while (SackChunk.ValueLength(gaps, dups) > maxValue && dups > 0)
        {
            dups--;
        }

        while (SackChunk.ValueLength(gaps, dups) > maxValue && gaps > 0)
        {
            gaps--;
        }

        return SackChunk.ValueLength(gaps, dups);
    }

    /// <summary>Writes a SACK value of exactly <see cref="SackValueLength"/> bytes and clears the due flag.</summary>
    public void WriteSack(Span<byte> value, uint receiverWindow)
    {
        int room = (value.Length - SackChunk.FixedLength) / 4;
        int gaps = Math.Min(Math.Min(CountGapBlocks(), MaxGapBlocks), room);
        int dups = Math.Min(_duplicates.Count, room - gaps);
        SackChunk.WriteHeader(value, CumulativeTsn, receiverWindow, gaps, dups);
        int index = 0;
        uint start = 0, end = 0;
        bool open = false;
        foreach (uint tsn in _above)
        {
            if (open && tsn == end + 1)
            {
                end = tsn;
                continue;
            }

            if (open && index < gaps)
            {
                SackChunk.WriteGapBlock(value, index++, (ushort)(start - CumulativeTsn), (ushort)(end - CumulativeTsn));
            }

            start = end = tsn;
            open = true;
        }

        if (open && index < gaps)
        {
            SackChunk.WriteGapBlock(value, index, (ushort)(start - CumulativeTsn), (ushort)(end - CumulativeTsn));
        }

        for (int i = 0; i < dups; i++)
        {
            SackChunk.WriteDuplicate(value, gaps, i, _duplicates[i]);
        }

        _duplicates.Clear();
        _packetsSinceSack = 0;
        SackDue = false;
    }

    private int CountGapBlocks()
    {
        int blocks = 0;
        uint last = 0;
        bool any = false;
        foreach (uint tsn in _above)
        {
            if (!any || tsn != last + 1)
            {
                blocks++;
            }

            last = tsn;
            any = true;
        }

        return blocks;
    }
}

/// <summary>What a received TSN is relative to the receive window.</summary>
internal enum TsnCheck
{
    New,
    Duplicate,
    OutOfWindow,
}
