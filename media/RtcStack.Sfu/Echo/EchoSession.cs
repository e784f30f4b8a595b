using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using RtcStack.Rtp;
using RtcStack.Rtp.Rtcp;
using RtcStack.Sctp;

namespace RtcStack.Sfu.Echo;

/// <summary>
/// One echo: RTP from the browser is decrypted, its SSRC rewritten to ours for the same m-section (payload
/// types are the ones both sides negotiated), re-encrypted and sent back; video gets PLIs so keyframes come;
/// data channel messages are sent back on the same channel. Runs on the transport's receive path (one packet
/// at a time per transport, whichever loop received it; see <see cref="WebRtcTransport"/>), the PLI timer aside.
/// </summary>
internal sealed class EchoSession : IAsyncDisposable
{
    private readonly WebRtcTransport _transport;
    private readonly IReadOnlyDictionary<string, EchoTrack> _tracksByMid;
    private readonly ConcurrentDictionary<uint, EchoTrack> _tracksBySsrc = new();
    private readonly Timer _pliTimer;

    public EchoSession(WebRtcTransport transport, IReadOnlyList<EchoTrack> tracks, int midExtensionId)
    {
        _transport = transport;
        _tracksByMid = tracks.ToDictionary(t => t.Mid);
        MidExtensionId = midExtensionId;
        foreach (var t in tracks)
        {
            foreach (var ssrc in t.OfferedSsrcs)
            {
                _tracksBySsrc[ssrc] = t;
            }
        }
        transport.RtpReceived = OnRtp;
        transport.RtcpReceived = OnRtcp;
        transport.DataChannelOpened += OnDataChannel;
        // RFC 4585 §6.3.1: ask the browser for keyframes so the echoed video starts decoding quickly.
        _pliTimer = new Timer(_ => RequestKeyframes(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
    }

    public WebRtcTransport Transport => _transport;

    /// <summary>The negotiated sdes:mid header extension ID, or 0.</summary>
    public int MidExtensionId { get; }

    private void OnRtp(WebRtcTransport transport, Span<byte> buffer, int length)
    {
        var packet = buffer[..length];
        if (RtpPacket.TryRead(packet, out var rtp) != RtpReadResult.Ok)
        {
            SfuMetrics.Drop("malformed_rtp");
            return;
        }
        var track = Resolve(rtp);
        if (track is null)
        {
            SfuMetrics.Drop("unknown_ssrc");
            return;
        }
        track.RemoteSsrc = rtp.Ssrc;
        RtpPacketEditor.TrySetSsrc(packet, track.LocalSsrc);
        transport.SendRtp(buffer, length);
    }

    private EchoTrack? Resolve(RtpPacket rtp)
    {
        if (_tracksBySsrc.TryGetValue(rtp.Ssrc, out var track))
        {
            return track;
        }
        // RFC 9143 §15: an SSRC not signalled in SDP is bound to its m-section by the mid extension.
        if (MidExtensionId != 0 && rtp.TryGetExtension(MidExtensionId, out var mid)
            && _tracksByMid.TryGetValue(Encoding.ASCII.GetString(mid), out track))
        {
            _tracksBySsrc[rtp.Ssrc] = track;
            return track;
        }
        return null;
    }

    private void OnRtcp(WebRtcTransport transport, Span<byte> buffer, int length)
    {
        var reader = new RtcpCompoundReader(buffer[..length]);
        while (reader.TryReadNext(out var packet))
        {
            // The browser's receiver asks for a keyframe of our (echoed) stream: pass it to its sender.
            if (packet.PacketType == RtcpPacketType.PayloadSpecificFeedback
                && packet.Format is (int)PayloadFeedbackFormat.PictureLossIndication or (int)PayloadFeedbackFormat.FullIntraRequest
                && packet.Body.Length >= 8)
            {
                var mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Body[4..]);
                foreach (var track in _tracksByMid.Values)
                {
                    if (track.IsVideo && (track.LocalSsrc == mediaSsrc || packet.Format == (int)PayloadFeedbackFormat.FullIntraRequest))
                    {
                        SendPli(track);
                    }
                }
            }
        }
    }

    private void RequestKeyframes()
    {
        foreach (var track in _tracksByMid.Values)
        {
            if (track.IsVideo && track.RemoteSsrc != 0)
            {
                SendPli(track);
            }
        }
    }

    private void SendPli(EchoTrack track)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (track.RemoteSsrc != 0 && RtcpPictureLossIndication.TryWrite(buffer, track.LocalSsrc, track.RemoteSsrc, out var written))
        {
            _transport.SendRtcp(buffer, written);
        }
    }

    private static void OnDataChannel(DataChannel channel) =>
        channel.OnMessage += static (c, message) =>
        {
            var result = message.IsText ? c.Send(message.Text) : c.Send(message.Data.Span);
            if (result != DataChannelSendResult.Queued)
            {
                SfuMetrics.Drop("datachannel_" + result);
            }
        };

    public async ValueTask DisposeAsync()
    {
        await _pliTimer.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
