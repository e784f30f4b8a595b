namespace RtcStack.Signaling.Protocol;

/// <summary>
/// The check <see cref="System.Text.Json.Utf8JsonReader"/> leaves out: it accepts any four hex digits after
/// <c>\u</c>, so a string may hold a lone surrogate (<c>"\ud800"</c>, <c>"\udc00x"</c>). Such a string cannot be
/// turned into a .NET string (the deserializer throws on a string field) nor written back by the serializer (a
/// <see cref="System.Text.Json.JsonElement"/> payload throws in <see cref="FrameWriter"/>), so frames holding one are
/// refused as <c>bad-request</c> wherever the escape is.
/// </summary>
internal static class JsonEscapes
{
    /// <summary>
    /// True when a <c>\u</c> escape in <paramref name="json"/> is a high surrogate not followed by a <c>\u</c>
    /// low surrogate, or a low surrogate not preceded by a high one. Meant for text the JSON reader accepts (a
    /// backslash outside a string is its error); never throws.
    /// </summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> json)
    {
        int i = 0;
        while (true)
        {
            int n = json[i..].IndexOf("\\u"u8); // jumps over \r\n and the like, the common escapes of an sdp
            if (n < 0)
            {
                return false;
            }
            i += n;
            if (IsEscapedBackslash(json, i))
            {
                i += 2; // "\\u": an escaped backslash, then the letter u
                continue;
            }
            int code = Hex4(json, i + 2);
            if (code is >= 0xDC00 and <= 0xDFFF)
            {
                return true;
            }
            if (code is >= 0xD800 and <= 0xDBFF)
            {
                if (json.Length < i + 8 || json[i + 6] != (byte)'\\' || json[i + 7] != (byte)'u' || Hex4(json, i + 8) is not (>= 0xDC00 and <= 0xDFFF))
                {
                    return true;
                }
                i += 12;
                continue;
            }
            i += 2;
        }
    }

    /// <summary>True when the backslash at <paramref name="at"/> follows an odd run of backslashes (it is the escaped one).</summary>
    private static bool IsEscapedBackslash(ReadOnlySpan<byte> json, int at)
    {
        int k = at;
        while (k > 0 && json[k - 1] == (byte)'\\')
        {
            k--;
        }
        return ((at - k) & 1) == 1;
    }

    /// <summary>The four hex digits at <paramref name="at"/>, or -1 when there are not four.</summary>
    public static int Hex4(ReadOnlySpan<byte> json, int at)
    {
        if (at + 4 > json.Length)
        {
            return -1;
        }
        int code = 0;
        foreach (byte b in json.Slice(at, 4))
        {
            if (!char.IsAsciiHexDigit((char)b))
            {
                return -1;
            }
            code = (code << 4) | (b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10);
        }
        return code;
    }
}
