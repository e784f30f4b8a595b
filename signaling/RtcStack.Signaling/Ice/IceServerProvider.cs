using Microsoft.Extensions.Options;
using RtcStack.Signaling.Protocol;
using RtcStack.Stun;

namespace RtcStack.Signaling.Ice;

/// <summary>
/// Builds <c>welcome.iceServers</c>: STUN URLs as they are, TURN URLs with TURN REST API credentials
/// (username <c>expiry:peerId</c>, password base64(HMAC-SHA1(secret, username))), which a TURN server with
/// the same <c>static-auth-secret</c> accepts without shared state.
/// </summary>
internal sealed class IceServerProvider(IOptions<SignalingOptions> options, TimeProvider time)
{
    private readonly SignalingOptions _options = options.Value;

    public IReadOnlyList<IceServerInfo> For(string peerId)
    {
        var servers = new List<IceServerInfo>(2);
        if (_options.StunUrls.Count > 0)
        {
            servers.Add(new IceServerInfo { Urls = [.. _options.StunUrls] });
        }
        if (_options.TurnUrls.Count > 0 && !string.IsNullOrEmpty(_options.TurnSecret))
        {
            TurnRestCredential credential = TurnRestCredentials.Mint(_options.TurnSecret, peerId, TimeSpan.FromSeconds(_options.TurnCredentialTtlSeconds), time);
            servers.Add(new IceServerInfo { Urls = [.. _options.TurnUrls], Username = credential.Username, Credential = credential.Password });
        }
        return servers;
    }
}
