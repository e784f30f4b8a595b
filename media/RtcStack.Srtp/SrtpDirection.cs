using System.Buffers.Binary;
using RtcStack.Rtp;

namespace RtcStack.Srtp;

/// <summary>
/// One direction of an SRTP session: the SRTP and SRTCP session keys and the per-SSRC streams. Calls are serialized
/// with a lock, so protect (send) and unprotect (receive) never contend with each other.
/// Inbound streams are created only after a packet authenticates, so forged SSRCs cost no memory.
/// </summary>
internal sealed class SrtpDirection : IDisposable
{
    private const int RtcpHeaderLength = 8;

    private readonly Lock _lock = new();
    private readonly ISrtpCipher _rtp;
    private readonly ISrtpCipher _rtcp;
    private readonly Dictionary<uint, SrtpStream> _streams = [];
    private readonly int _maxStreams;
    private bool _disposed;

    public SrtpDirection(ISrtpCipher rtp, ISrtpCipher rtcp, int maxStreams)
    {
        _rtp = rtp;
        _rtcp = rtcp;
        _maxStreams = maxStreams;
    }

    public int StreamCount
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>RFC 3711 §3.3 sender steps: index, encrypt, authenticate.</summary>
    public SrtpResult ProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length || RtpPacket.TryGetHeaderLength(buffer[..length], out var headerLength) != RtpReadResult.Ok)
        {
            return Count(SrtpResult.Malformed);
        }

        if (buffer.Length - length < _rtp.RtpTagLength)
        {
            return SrtpResult.BufferTooSmall;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return SrtpResult.Disposed;
            }

            var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
            if (!TryGetOrAdd(ssrc, out var stream))
            {
                return SrtpResult.TooManyStreams;
            }

            var index = stream.EstimateIndex(BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]), out var roc);
            _rtp.ProtectRtp(buffer, headerLength, length, ssrc, roc);
            stream.Update(index);
        }

        protectedLength = length + _rtp.RtpTagLength;
        SrtpMetrics.Protected.Add(1);
        return SrtpResult.Ok;
    }

    /// <summary>RFC 3711 §3.3 receiver steps: estimate index, replay check, authenticate, decrypt, update.</summary>
    public SrtpResult UnprotectRtp(Span<byte> packet, out int length)
    {
        length = 0;
        var payloadEnd = packet.Length - _rtp.RtpTagLength;
        if (payloadEnd < RtpPacket.FixedHeaderLength || RtpPacket.TryGetHeaderLength(packet[..payloadEnd], out var headerLength) != RtpReadResult.Ok)
        {
            return Count(SrtpResult.Malformed);
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        lock (_lock)
        {
            if (_disposed)
            {
                return SrtpResult.Disposed;
            }

            _streams.TryGetValue(ssrc, out var stream);
            var candidate = stream ?? new SrtpStream();
            var index = candidate.EstimateIndex(BinaryPrimitives.ReadUInt16BigEndian(packet[2..]), out var roc);
            if (!candidate.RtpWindow.IsFresh(index))
            {
                return Count(SrtpResult.Replayed);
            }

            if (stream is null && _streams.Count >= _maxStreams)
            {
                return SrtpResult.TooManyStreams;
            }

            if (!_rtp.UnprotectRtp(packet, headerLength, payloadEnd, ssrc, roc))
            {
                return Count(SrtpResult.AuthFailed);
            }

            if (stream is null)
            {
                _streams.Add(ssrc, candidate);
            }

            candidate.Update(index);
            candidate.RtpWindow.Accept(index);
        }

        length = payloadEnd;
        SrtpMetrics.Unprotected.Add(1);
        return SrtpResult.Ok;
    }

    /// <summary>RFC 3711 §3.4: encrypt after the first 8 bytes, append E flag, index and tag.</summary>
    public SrtpResult ProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length || length < RtcpHeaderLength || buffer[0] >> 6 != 2)
        {
            return Count(SrtpResult.Malformed);
        }

        if (buffer.Length - length < _rtcp.RtcpTagLength + 4)
        {
            return SrtpResult.BufferTooSmall;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return SrtpResult.Disposed;
            }

            var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
            if (!TryGetOrAdd(ssrc, out var stream))
            {
                return SrtpResult.TooManyStreams;
            }

            var index = stream.NextRtcpIndex;
            stream.NextRtcpIndex = (index + 1) & 0x7FFF_FFFF;
            _rtcp.ProtectRtcp(buffer, length, ssrc, index);
        }

        protectedLength = length + _rtcp.RtcpTagLength + 4;
        SrtpMetrics.Protected.Add(1);
        return SrtpResult.Ok;
    }

    /// <summary>RFC 3711 §3.4 receiver side, with the SRTCP replay list.</summary>
    public SrtpResult UnprotectRtcp(Span<byte> packet, out int length)
    {
        length = 0;
        var bodyEnd = packet.Length - _rtcp.RtcpTagLength - 4;
        if (bodyEnd < RtcpHeaderLength || packet[0] >> 6 != 2)
        {
            return Count(SrtpResult.Malformed);
        }

        var trailer = BinaryPrimitives.ReadUInt32BigEndian(packet[^_rtcp.RtcpIndexOffsetFromEnd..]);
        var encrypted = (trailer & 0x8000_0000u) != 0;
        var index = trailer & 0x7FFF_FFFFu;
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        lock (_lock)
        {
            if (_disposed)
            {
                return SrtpResult.Disposed;
            }

            _streams.TryGetValue(ssrc, out var stream);
            var candidate = stream ?? new SrtpStream();
            if (!candidate.RtcpWindow.IsFresh(index))
            {
                return Count(SrtpResult.Replayed);
            }

            if (stream is null && _streams.Count >= _maxStreams)
            {
                return SrtpResult.TooManyStreams;
            }

            if (!_rtcp.UnprotectRtcp(packet, bodyEnd, ssrc, index, encrypted))
            {
                return Count(SrtpResult.AuthFailed);
            }

            if (stream is null)
            {
                _streams.Add(ssrc, candidate);
            }

            candidate.RtcpWindow.Accept(index);
        }

        length = bodyEnd;
        SrtpMetrics.Unprotected.Add(1);
        return SrtpResult.Ok;
    }

    /// <summary>Test and interop hook: sets the ROC or next SRTCP index of <paramref name="ssrc"/>.</summary>
    internal void Configure(uint ssrc, uint? roc = null, uint? nextRtcpIndex = null)
    {
        lock (_lock)
        {
            if (!TryGetOrAdd(ssrc, out var stream))
            {
                return;
            }

            if (roc is { } r)
            {
                stream.SetRoc(r);
            }

            if (nextRtcpIndex is { } i)
            {
                stream.NextRtcpIndex = i;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _rtp.Dispose();
            _rtcp.Dispose();
            _streams.Clear();
        }
    }

    private static SrtpResult Count(SrtpResult result)
    {
        switch (result)
        {
            case SrtpResult.AuthFailed:
                SrtpMetrics.AuthFailed.Add(1);
                break;
            case SrtpResult.Replayed:
                SrtpMetrics.Replayed.Add(1);
                break;
            case SrtpResult.Malformed:
                SrtpMetrics.Malformed.Add(1);
                break;
            default:
                break;
        }

        return result;
    }

    private bool TryGetOrAdd(uint ssrc, out SrtpStream stream)
    {
        if (_streams.TryGetValue(ssrc, out var existing))
        {
            stream = existing;
            return true;
        }

        stream = new SrtpStream();
        if (_streams.Count >= _maxStreams)
        {
            return false;
        }

        _streams.Add(ssrc, stream);
        return true;
    }
}
