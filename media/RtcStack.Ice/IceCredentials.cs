using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Ice;

/// <summary>ICE short-term credentials (RFC 8445 §5.3, RFC 8839 §5.4): ufrag and password.</summary>
/// <param name="Ufrag">4–256 ice-chars.</param>
/// <param name="Pwd">22–256 ice-chars; the MESSAGE-INTEGRITY key.</param>
public sealed record IceCredentials(string Ufrag, string Pwd)
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>The password as the HMAC key (UTF-8).</summary>
    public byte[] Key { get; } = Encoding.UTF8.GetBytes(Pwd);

    /// <summary>Random credentials: an 8-character ufrag (48 bits) and a 24-character password (144 bits).</summary>
    public static IceCredentials Generate() =>
        new(RandomNumberGenerator.GetString(IceChars, 8), RandomNumberGenerator.GetString(IceChars, 24));
}
