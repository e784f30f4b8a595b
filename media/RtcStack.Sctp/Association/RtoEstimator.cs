namespace RtcStack.Sctp.Association;

/// <summary>Retransmission timeout calculation (RFC 9260 §6.3.1) with exponential back-off (§6.3.3 E2).</summary>
internal sealed class RtoEstimator
{
    private readonly double _min;
    private readonly double _max;
    private double _srtt;
    private double _rttvar;
    private bool _measured;

    public RtoEstimator(TimeSpan initial, TimeSpan min, TimeSpan max)
    {
        _min = min.TotalMilliseconds;
        _max = max.TotalMilliseconds;
        RtoMs = Math.Clamp(initial.TotalMilliseconds, _min, _max);
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
        RtoMs = Math.Clamp(_srtt + Math.Max(4 * _rttvar, 1), _min, _max);
    }

    /// <summary>E2: RTO = RTO * 2 after a T3-rtx (or T1/T2/heartbeat) expiry, capped at RTO.Max.</summary>
    public void Backoff() => RtoMs = Math.Min(RtoMs * 2, _max);
}
