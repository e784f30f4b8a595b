namespace RtcStack.Srtp;

/// <summary>
/// Per-SSRC cryptographic state (RFC 3711 §3.2.1): rollover counter and highest sequence number (s_l), replay
/// lists for SRTP and SRTCP, and the next SRTCP index to send.
/// </summary>
internal sealed class SrtpStream
{
    /// <summary>The rollover counter.</summary>
    public uint Roc { get; private set; }

    /// <summary>s_l: highest sequence number authenticated (or sent) under <see cref="Roc"/>.</summary>
    public ushort HighestSequence { get; private set; }

    /// <summary>False until the first packet.</summary>
    public bool HasSequence { get; private set; }

    /// <summary>Replay list for SRTP indices.</summary>
    public SrtpReplayWindow RtpWindow;

    /// <summary>Replay list for SRTCP indices.</summary>
    public SrtpReplayWindow RtcpWindow;

    /// <summary>Next SRTCP index to send (31 bits, RFC 3711 §3.4).</summary>
    public uint NextRtcpIndex { get; set; }

    /// <summary>
    /// Estimates the ROC of a packet with sequence number <paramref name="sequence"/> (RFC 3711 §3.3.1, Appendix A)
    /// and returns its 48-bit index. The first packet of a stream has ROC 0 unless set otherwise.
    /// </summary>
    public ulong EstimateIndex(ushort sequence, out uint roc)
    {
        roc = Roc;
        if (HasSequence)
        {
            if (HighestSequence < 32768)
            {
                if (sequence - HighestSequence > 32768 && roc > 0)
                {
                    roc--;
                }
            }
            else if (HighestSequence - 32768 > sequence)
            {
                roc++;
            }
        }

        return ((ulong)roc << 16) | sequence;
    }

    /// <summary>Moves ROC and s_l forward when <paramref name="index"/> is newer (RFC 3711 §3.3.1 step after auth).</summary>
    public void Update(ulong index)
    {
        var current = ((ulong)Roc << 16) | HighestSequence;
        if (!HasSequence || index > current)
        {
            Roc = (uint)(index >> 16);
            HighestSequence = (ushort)index;
            HasSequence = true;
        }
    }

    /// <summary>Sets the ROC explicitly, e.g. for a stream joined mid-way (RFC 4568 / tests).</summary>
    public void SetRoc(uint roc) => Roc = roc;
}
