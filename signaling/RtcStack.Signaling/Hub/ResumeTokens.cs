using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// Resume tokens: <c>sessionId.mac</c> where mac = base64url(HMAC-SHA256(key, sessionId + "\n" + peer)). Any node
/// with the same token secret can verify one without shared state.
/// </summary>
internal sealed class ResumeTokens(string secret)
{
    private readonly byte[] _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), "rtcstack resume token"u8);

    public string Create(string sessionId, PeerId peer) => sessionId + "." + Mac(sessionId, peer);

    /// <summary>The session id a resume token names, or null when it is not valid for <paramref name="peer"/>.</summary>
    public string? Verify(string? token, PeerId peer)
    {
        if (token is null || token.Length > 256)
        {
            return null;
        }
        int dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }
        string sessionId = token[..dot];
        string expected = Mac(sessionId, peer);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(token[(dot + 1)..]))
            ? sessionId
            : null;
    }

    private string Mac(string sessionId, PeerId peer)
    {
        byte[] mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(sessionId + "\n" + peer.Value));
        return Convert.ToBase64String(mac, 0, 18).Replace('+', '-').Replace('/', '_');
    }
}
