using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Server.Endpoints;

/// <summary>Writes the listener's HTTP/1.1 answers (the 101 of RFC 6455 section 4.2.2 and the refusals) into a caller's buffer.</summary>
internal static class WebSocketHandshakeResponse
{
    /// <summary>Room for any answer written here.</summary>
    public const int MaxLength = 256;

    /// <summary>RFC 6455 section 1.3: the GUID appended to the key before hashing.</summary>
    private static ReadOnlySpan<byte> KeyGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>The 101 with <c>Sec-WebSocket-Accept</c> = base64(SHA-1(key + GUID)) and the subprotocol, if any.</summary>
    public static int WriteSwitchingProtocols(Span<byte> destination, string key, string? subProtocol)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        int keyLength = Encoding.ASCII.GetBytes(key, input);
        KeyGuid.CopyTo(input[keyLength..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..(keyLength + KeyGuid.Length)], hash);
        int n = Append(destination, 0, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8);
        System.Buffers.Text.Base64.EncodeToUtf8(hash, destination[n..], out _, out int written);
        n += written;
        if (subProtocol is not null)
        {
            n = Append(destination, n, "\r\nSec-WebSocket-Protocol: "u8);
            n += Encoding.ASCII.GetBytes(subProtocol, destination[n..]);
        }
        return Append(destination, n, "\r\n\r\n"u8);
    }

    /// <summary>A refusal that closes the connection (400, 403, 408, 426 with <c>Sec-WebSocket-Version: 13</c>, 431, 503).</summary>
    public static int WriteRefusal(Span<byte> destination, int status)
    {
        ReadOnlySpan<byte> line = status switch
        {
            400 => "HTTP/1.1 400 Bad Request\r\n"u8,
            403 => "HTTP/1.1 403 Forbidden\r\n"u8,
            408 => "HTTP/1.1 408 Request Timeout\r\n"u8,
            426 => "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"u8,
            431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
            _ => "HTTP/1.1 503 Service Unavailable\r\n"u8,
        };
        int n = Append(destination, 0, line);
        return Append(destination, n, "Content-Length: 0\r\nConnection: close\r\n\r\n"u8);
    }

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[at..]);
        return at + text.Length;
    }
}
