namespace RtcStack.Signaling.Protocol;

/// <summary>
/// The grammar half of <see cref="RelayFrameScanner"/>: validates one JSON value in place and moves past it, with no
/// allocation. Stricter than the JSON grammar only where the general reader decides instead: a <c>\u</c> escape of
/// a surrogate and nesting deeper than <see cref="RelayFrameScanner.MaxDepth"/> are refused.
/// </summary>
internal static class JsonValueSkipper
{
    public static int SkipSpace(ReadOnlySpan<byte> utf8, int at)
    {
        while (at < utf8.Length && utf8[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }
        return at;
    }

    /// <summary>Validates one JSON value at <paramref name="at"/> (at a non-space byte) and moves past it.</summary>
    public static bool TrySkipValue(ReadOnlySpan<byte> utf8, ref int at, int depth)
    {
        if (at >= utf8.Length)
        {
            return false;
        }
        switch (utf8[at])
        {
            case (byte)'"':
                return TrySkipString(utf8, ref at);
            case (byte)'{':
            case (byte)'[':
                return depth < RelayFrameScanner.MaxDepth && TrySkipContainer(utf8, ref at, depth + 1);
            case (byte)'t':
                return TrySkipLiteral(utf8, ref at, "true"u8);
            case (byte)'f':
                return TrySkipLiteral(utf8, ref at, "false"u8);
            case (byte)'n':
                return TrySkipLiteral(utf8, ref at, "null"u8);
            default:
                return TrySkipNumber(utf8, ref at);
        }
    }

    private static bool TrySkipContainer(ReadOnlySpan<byte> utf8, ref int at, int depth)
    {
        bool isObject = utf8[at] == (byte)'{';
        byte close = isObject ? (byte)'}' : (byte)']';
        at = SkipSpace(utf8, at + 1);
        if (at < utf8.Length && utf8[at] == close)
        {
            at++;
            return true;
        }
        while (true)
        {
            if (isObject)
            {
                if (at >= utf8.Length || utf8[at] != (byte)'"' || !TrySkipString(utf8, ref at))
                {
                    return false;
                }
                at = SkipSpace(utf8, at);
                if (at >= utf8.Length || utf8[at] != (byte)':')
                {
                    return false;
                }
                at = SkipSpace(utf8, at + 1);
            }
            if (!TrySkipValue(utf8, ref at, depth))
            {
                return false;
            }
            at = SkipSpace(utf8, at);
            if (at >= utf8.Length)
            {
                return false;
            }
            if (utf8[at] == close)
            {
                at++;
                return true;
            }
            if (utf8[at] != (byte)',')
            {
                return false;
            }
            at = SkipSpace(utf8, at + 1);
        }
    }

    /// <summary>A string at <paramref name="at"/> with valid escapes (a <c>\u</c> of a surrogate is refused) and no control characters.</summary>
    public static bool TrySkipString(ReadOnlySpan<byte> utf8, ref int at)
    {
        int i = at + 1;
        while (true)
        {
            int n = utf8[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (n < 0 || utf8.Slice(i, n).IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
            {
                return false;
            }
            i += n;
            if (utf8[i] == (byte)'"')
            {
                at = i + 1;
                return true;
            }
            if (i + 1 >= utf8.Length)
            {
                return false;
            }
            switch (utf8[i + 1])
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    i += 2;
                    break;
                case (byte)'u':
                    if (JsonEscapes.Hex4(utf8, i + 2) is < 0 or (>= 0xD800 and <= 0xDFFF))
                    {
                        return false;
                    }
                    i += 6;
                    break;
                default:
                    return false;
            }
        }
    }

    private static bool TrySkipLiteral(ReadOnlySpan<byte> utf8, ref int at, ReadOnlySpan<byte> literal)
    {
        if (!utf8[at..].StartsWith(literal))
        {
            return false;
        }
        at += literal.Length;
        return true;
    }

    /// <summary>JSON's number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>; the caller checks what follows.</summary>
    private static bool TrySkipNumber(ReadOnlySpan<byte> utf8, ref int at)
    {
        int i = at;
        if (i < utf8.Length && utf8[i] == (byte)'-')
        {
            i++;
        }
        if (i >= utf8.Length || !char.IsAsciiDigit((char)utf8[i]))
        {
            return false;
        }
        i = utf8[i] == (byte)'0' ? i + 1 : Digits(utf8, i);
        if (i < utf8.Length && utf8[i] == (byte)'.')
        {
            int after = Digits(utf8, i + 1);
            if (after == i + 1)
            {
                return false;
            }
            i = after;
        }
        if (i < utf8.Length && utf8[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < utf8.Length && utf8[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            int after = Digits(utf8, i);
            if (after == i)
            {
                return false;
            }
            i = after;
        }
        at = i;
        return true;
    }

    private static int Digits(ReadOnlySpan<byte> utf8, int i)
    {
        while (i < utf8.Length && char.IsAsciiDigit((char)utf8[i]))
        {
            i++;
        }
        return i;
    }
}
