using System.Security.Cryptography;

namespace RtcStack.Signaling.Hub;

/// <summary>Random opaque ids for sessions, calls and connections.</summary>
internal static class IdGenerator
{
    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return prefix + Convert.ToHexStringLower(bytes);
    }
}
