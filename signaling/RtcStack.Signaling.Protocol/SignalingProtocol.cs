using System.Diagnostics.CodeAnalysis;

namespace RtcStack.Signaling.Protocol;

/// <summary>Protocol-wide constants (docs/protocol.md).</summary>
public static class SignalingProtocol
{
    /// <summary>The protocol version carried in <c>hello.v</c> and <c>welcome.v</c>.</summary>
    public const int Version = 1;

    /// <summary>The WebSocket subprotocol a client may ask for.</summary>
    public const string SubProtocol = "rtcstack.v1";

    /// <summary>Longest request <c>id</c>.</summary>
    public const int MaxRequestIdLength = 64;

    /// <summary>Largest serialized <c>meta</c> object, in bytes.</summary>
    public const int MaxMetaBytes = 4096;

    /// <summary>Longest peer id (the token's <c>sub</c>).</summary>
    public const int MaxPeerIdLength = 128;

    /// <summary>Longest room name.</summary>
    public const int MaxRoomLength = 64;

    /// <summary>Longest <c>callId</c> or <c>reason</c> a client may send.</summary>
    public const int MaxShortStringLength = 128;

    /// <summary>True when <paramref name="value"/> is a valid peer id: 1-128 of <c>A-Z a-z 0-9 _ - . @ :</c>.</summary>
    public static bool IsValidPeerId([NotNullWhen(true)] string? value) => IsValidName(value, MaxPeerIdLength, allowPeerExtras: true);

    /// <summary>True when <paramref name="value"/> is a valid room name: 1-64 of <c>A-Z a-z 0-9 _ - .</c>.</summary>
    public static bool IsValidRoom([NotNullWhen(true)] string? value) => IsValidName(value, MaxRoomLength, allowPeerExtras: false);

    private static bool IsValidName(string? value, int maxLength, bool allowPeerExtras)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }
        foreach (char c in value)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' || (allowPeerExtras && c is '@' or ':');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
