using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RtcStack.Signaling.Protocol;

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
            long expiry = time.GetUtcNow().ToUnixTimeSeconds() + _options.TurnCredentialTtlSeconds;
            // TODO: use RtcStack.Stun's TurnRestCredentials once it lands (same algorithm).
            string username = expiry.ToString(CultureInfo.InvariantCulture) + ":" + peerId;
            byte[] mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(_options.TurnSecret), Encoding.UTF8.GetBytes(username));
            servers.Add(new IceServerInfo { Urls = [.. _options.TurnUrls], Username = username, Credential = Convert.ToBase64String(mac) });
        }
        return servers;
    }
}
