using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Dtls;
using RtcStack.Sdp;

namespace RtcStack.Sfu.Echo;

/// <summary>
/// The browser echo used to prove the transport against real browsers: answers an offer, then sends every
/// audio/video packet back on the same (sendrecv) m-section and every data channel message back on its
/// channel. Sessions end when the browser goes away (consent lost, DTLS closed) or on dispose.
/// </summary>
public sealed partial class EchoService(WebRtcServer server, ILoggerFactory? loggerFactory = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<WebRtcTransport, EchoSession> _sessions = new();
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EchoService>();

    /// <summary>Echo sessions alive now.</summary>
    public int ActiveSessions => _sessions.Count;

    /// <summary>The transports of the live sessions (diagnostics in tests).</summary>
    internal IEnumerable<WebRtcTransport> Transports => _sessions.Keys;

    /// <summary>
    /// Answers a browser offer (audio: opus, video: VP8, data channels) and starts echoing.
    /// Throws <see cref="ArgumentException"/> for an offer that is not usable (bad SDP, no ICE credentials or fingerprint).
    /// </summary>
    public Task<string> AnswerAsync(string offerSdp, CancellationToken cancellationToken) =>
        AnswerAsync(offerSdp, IceCandidatePolicy.All, cancellationToken);

    /// <summary>Like <see cref="AnswerAsync(string, CancellationToken)"/>, announcing only the candidates <paramref name="policy"/> allows.</summary>
    public Task<string> AnswerAsync(string offerSdp, IceCandidatePolicy policy, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var parse = SdpParser.TryParse(offerSdp, out var offer);
        if (parse != SdpParseResult.Ok)
        {
            throw new ArgumentException($"The offer is not valid SDP ({parse}).", nameof(offerSdp));
        }
        if (offer!.Fingerprint is not { } remoteFingerprint || offer.IceUfrag is null || offer.IcePwd is null)
        {
            throw new ArgumentException("The offer has no ICE credentials or DTLS fingerprint.", nameof(offerSdp));
        }
        var transport = server.CreateTransport();
        transport.RemoteIceUfrag = offer.IceUfrag;
        var ssrcs = offer.Media.Where(m => m.Mid is not null && !m.IsApplication)
            .ToDictionary(m => m.Mid!, _ => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue));
        var answer = SdpAnswerBuilder.Build(offer, new SdpAnswerOptions
        {
            IceUfrag = transport.IceCredentials.Ufrag,
            IcePwd = transport.IceCredentials.Pwd,
            Fingerprint = server.Fingerprint,
            Candidates = server.Candidates(policy),
            AudioCodecs = ["opus"],
            VideoCodecs = ["VP8"],
            MaxCodecsPerSection = 1,
            LocalSsrc = m => m.Mid is { } mid && ssrcs.TryGetValue(mid, out var s) ? s : null,
        });
        var session = new EchoSession(transport, Tracks(offer, answer, ssrcs), MidExtensionId(answer));
        _sessions[transport] = session;
        transport.Closed += t =>
        {
            if (_sessions.TryRemove(t, out var s))
            {
                _ = s.DisposeAsync().AsTask();
            }
        };
        var role = answer.Setup == SetupRole.Active ? DtlsRole.Client : DtlsRole.Server;
        transport.Connect(remoteFingerprint, role, Sctp(offer, answer));
        LogAnswered(_logger, transport.IceCredentials.Ufrag, answer.Media.Count(m => m.Port != 0));
        return Task.FromResult(answer.ToString());
    }

    private static List<EchoTrack> Tracks(SessionDescription offer, SessionDescription answer, Dictionary<string, uint> ssrcs)
    {
        var tracks = new List<EchoTrack>();
        for (var i = 0; i < answer.Media.Count; i++)
        {
            var m = answer.Media[i];
            if (m.Port == 0 || m.IsApplication || m.Mid is not { } mid || m.Direction != MediaDirection.SendRecv)
            {
                continue;
            }
            tracks.Add(new EchoTrack(mid, m.Media == "video", ssrcs[mid], offer.Media[i].GetSsrcs()));
        }
        return tracks;
    }

    private static int MidExtensionId(SessionDescription answer) =>
        answer.Media.SelectMany(m => m.GetExtMaps()).FirstOrDefault(e => e.Uri == ExtMapAttribute.MidUri).Id;

    private static SctpParameters? Sctp(SessionDescription offer, SessionDescription answer)
    {
        var index = answer.Media.FindIndex(m => m.IsApplication && m.Port != 0);
        if (index < 0)
        {
            return null;
        }
        var local = answer.Media[index];
        var remote = offer.Media[index];
        var max = Math.Min(local.MaxMessageSize ?? 65536, remote.MaxMessageSize is > 0 and { } r ? r : 65536);
        return new SctpParameters(local.SctpPort ?? 5000, remote.SctpPort ?? 5000, (int)Math.Min(max, int.MaxValue));
    }

    /// <summary>Closes every session.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var transport in _sessions.Keys)
        {
            if (_sessions.TryRemove(transport, out var session))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Echo answered for transport {Ufrag} with {Sections} accepted sections")]
    private static partial void LogAnswered(ILogger logger, string ufrag, int sections);
}
