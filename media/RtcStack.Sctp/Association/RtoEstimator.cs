namespace RtcStack.Sctp.Association;

/// <summary>Retransmission timeout calculation (RFC 9260 §6.3.1) with exponential back-off (§6.3.3 E2).</summary>
internal sealed class RtoEstimator
{
    private readonly double _min;
    private readonly double _max;
    private readonly double _maxBackoff;
    private double _base;
    private double _srtt;
    private double _rttvar;
    private bool _measured;

    /// <param name="maxBackoff">Back-off stops here, or at the un-backed-off RTO when that is larger.</param>
    public RtoEstimator(TimeSpan initial, TimeSpan min, TimeSpan max, TimeSpan maxBackoff)
    {
        _min = min.TotalMilliseconds;
        _max = max.TotalMilliseconds;
        _maxBackoff = maxBackoff.TotalMilliseconds;
        RtoMs = _base = Math.Clamp(initial.TotalMilliseconds, _min, _max);
    }

    public double RtoMs { get; private set; }

    public double SmoothedRttMs => _srtt;

    /// <summary>C1–C3: a new RTT measurement R from a chunk sent once (Karn's rule is the caller's).</summary>
    public void Measure(double rttMs)
    {
        rttMs = Math.Max(rttMs, 0);
        if (!_measured)
        {
            _srtt = rttMs;
            _rttvar = rttMs / 2;
            _measured = true;
        }
        else
        {
            _rttvar = (0.75 * _rttvar) + (0.25 * Math.Abs(_srtt - rttMs));
            _srtt = (0.875 * _srtt) + (0.125 * rttMs);
        }

        // C3 with clock granularity G = 1 ms.
        RtoMs = _base = Math.Clamp(_srtt + Math.Max(4 * _rttvar, 1), _min, _max);
    }

    /// <summary>
    /// E2: RTO = RTO * 2 after a T3-rtx (or T1/T2) expiry, capped at RTO.Max and at the back-off cap. Without
    /// the cap a few losses in a row leave the RTO near a minute, and it stays there while only retransmitted
    /// chunks are acknowledged (they give no RTT sample, §6.3.1 C5), so every later loss costs that long.
    /// </summary>
    public void Backoff() => RtoMs = Math.Min(Math.Min(RtoMs * 2, _max), Math.Max(_maxBackoff, _base));
}
