using System.Text.Unicode;

namespace RtcStack.Signaling.Protocol;

/// <summary>
/// A hand-written, allocation-free reader for the common shape of a relay frame: one pass over the bytes that
/// validates the JSON grammar and records the byte ranges of the fields the relay needs. It accepts a subset of
/// what <see cref="RelayFrameCodec.TryRead"/> accepts: anything unusual (an escape in a key or in <c>type</c>,
/// <c>id</c>, <c>room</c>, <c>to</c>; a non-ASCII id; a <c>\u</c> escape of a surrogate; nesting deeper than
/// <see cref="MaxDepth"/>; any field the relay does not carry; a duplicate key; invalid JSON or values) returns
/// <see cref="RelayReadResult.UseParser"/>, and the caller then uses <see cref="RelayFrameCodec.TryRead"/>, which
/// decides as before. Never throws.
/// </summary>
public static class RelayFrameScanner
{
    /// <summary>Deepest nesting this reader follows (the root object is 1); deeper frames go to the general reader.</summary>
    public const int MaxDepth = 16;

    private const int HasType = 1, HasId = 2, HasRoom = 4, HasTo = 8, HasSdp = 16, HasIce = 32, HasCandidate = 64, HasData = 128;

    /// <summary>Reads a valid <c>offer</c>/<c>answer</c>/<c>candidate</c>/<c>message</c> frame of the usual shape.</summary>
    public static RelayReadResult TryScan(ReadOnlySpan<byte> utf8, out RelayFrameScan scan)
    {
        scan = default;
        if (!Utf8.IsValid(utf8))
        {
            return RelayReadResult.UseParser;
        }
        int at = SkipSpace(utf8, 0);
        if (at >= utf8.Length || utf8[at] != (byte)'{')
        {
            return RelayReadResult.UseParser;
        }
        at = SkipSpace(utf8, at + 1);
        int seen = 0;
        string? type = null;
        bool? iceRestart = null;
        (int, int) id = default, room = default, to = default, sdp = default, candidate = default, data = default;
        while (true)
        {
            if (!TryPlainString(utf8, ref at, out (int Start, int Length) name))
            {
                return RelayReadResult.UseParser; // also the empty object, an escaped key
            }
            int field = RelayFrameCodec.FieldOf(utf8.Slice(name.Start, name.Length));
            if (field < 0 || (seen & field) != 0)
            {
                return RelayReadResult.UseParser;
            }
            seen |= field;
            at = SkipSpace(utf8, at);
            if (at >= utf8.Length || utf8[at] != (byte)':')
            {
                return RelayReadResult.UseParser;
            }
            at = SkipSpace(utf8, at + 1);
            if (at >= utf8.Length || utf8[at] == (byte)'n')
            {
                return RelayReadResult.UseParser; // null in a known field is the parser's (and a skipped null is rare)
            }
            int start = at;
            switch (field)
            {
                case HasType:
                    if (!TryPlainString(utf8, ref at, out (int Start, int Length) t)
                        || (type = RelayFrameCodec.RelayType(utf8.Slice(t.Start, t.Length))) is null)
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                case HasId:
                    if (!TryPlainString(utf8, ref at, out id) || id.Item2 > SignalingProtocol.MaxRequestIdLength
                        || utf8.Slice(id.Item1, id.Item2).ContainsAnyExceptInRange((byte)0, (byte)0x7F))
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                case HasRoom:
                    if (!TryPlainString(utf8, ref at, out room) || !IsValidName(utf8.Slice(room.Item1, room.Item2), SignalingProtocol.MaxRoomLength, false))
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                case HasTo:
                    if (!TryPlainString(utf8, ref at, out to) || !IsValidName(utf8.Slice(to.Item1, to.Item2), SignalingProtocol.MaxPeerIdLength, true))
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                case HasSdp:
                    if (utf8[at] != (byte)'"' || !TrySkipValue(utf8, ref at, 1))
                    {
                        return RelayReadResult.UseParser;
                    }
                    sdp = (start, at - start);
                    break;
                case HasIce:
                    if (utf8[at..].StartsWith("true"u8))
                    {
                        iceRestart = true;
                        at += 4;
                    }
                    else if (utf8[at..].StartsWith("false"u8))
                    {
                        iceRestart = false;
                        at += 5;
                    }
                    else
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                default: // candidate, data, or a field no client message has (skipped)
                    if ((field == HasCandidate && utf8[at] != (byte)'{') || !TrySkipValue(utf8, ref at, 1))
                    {
                        return RelayReadResult.UseParser;
                    }
                    if (field == HasCandidate)
                    {
                        candidate = (start, at - start);
                    }
                    else if (field == HasData)
                    {
                        data = (start, at - start);
                    }
                    break;
            }
            at = SkipSpace(utf8, at);
            if (at >= utf8.Length)
            {
                return RelayReadResult.UseParser;
            }
            if (utf8[at] == (byte)'}')
            {
                break;
            }
            if (utf8[at] != (byte)',')
            {
                return RelayReadResult.UseParser;
            }
            at = SkipSpace(utf8, at + 1);
        }
        if (SkipSpace(utf8, at + 1) != utf8.Length)
        {
            return RelayReadResult.UseParser;
        }
        bool valid = type is not null && (seen & HasRoom) != 0
            && ((seen & HasTo) != 0 || type == MessageTypes.Message)
            && type switch
            {
                MessageTypes.Offer or MessageTypes.Answer => (seen & HasSdp) != 0,
                MessageTypes.Candidate => (seen & HasCandidate) != 0,
                _ => (seen & HasData) != 0,
            };
        if (!valid)
        {
            return RelayReadResult.UseParser;
        }
        scan = new RelayFrameScan
        {
            Type = type!,
            HasId = (seen & HasId) != 0,
            Id = id,
            Room = room,
            To = to,
            Sdp = sdp,
            IceRestart = iceRestart,
            Candidate = type == MessageTypes.Candidate ? candidate : default,
            Data = type == MessageTypes.Message ? data : default,
        };
        return RelayReadResult.Ok;
    }

    private static int SkipSpace(ReadOnlySpan<byte> utf8, int at)
    {
        while (at < utf8.Length && utf8[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }
        return at;
    }

    /// <summary>A string without escapes or control characters at <paramref name="at"/>: its contents, <paramref name="at"/> moved past it.</summary>
    private static bool TryPlainString(ReadOnlySpan<byte> utf8, ref int at, out (int Start, int Length) contents)
    {
        contents = default;
        if (at >= utf8.Length || utf8[at] != (byte)'"')
        {
            return false;
        }
        int start = at + 1;
        int end = utf8[start..].IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || utf8[start + end] != (byte)'"' || utf8.Slice(start, end).IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
        {
            return false;
        }
        contents = (start, end);
        at = start + end + 1;
        return true;
    }

    /// <summary>Validates one JSON value at <paramref name="at"/> (at a non-space byte) and moves past it.</summary>
    private static bool TrySkipValue(ReadOnlySpan<byte> utf8, ref int at, int depth)
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
                return depth < MaxDepth && TrySkipContainer(utf8, ref at, depth + 1);
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
    private static bool TrySkipString(ReadOnlySpan<byte> utf8, ref int at)
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
                    if (i + 6 > utf8.Length || !TryHex4(utf8.Slice(i + 2, 4), out int code) || code is >= 0xD800 and <= 0xDFFF)
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

    private static bool TryHex4(ReadOnlySpan<byte> hex, out int code)
    {
        code = 0;
        foreach (byte b in hex)
        {
            if (!char.IsAsciiHexDigit((char)b))
            {
                return false;
            }
            code = (code << 4) | (b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10);
        }
        return true;
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

    /// <summary><see cref="SignalingProtocol.IsValidRoom"/> / <see cref="SignalingProtocol.IsValidPeerId"/> on bytes.</summary>
    private static bool IsValidName(ReadOnlySpan<byte> value, int maxLength, bool allowPeerExtras)
    {
        if (value.IsEmpty || value.Length > maxLength)
        {
            return false;
        }
        foreach (byte b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'-' or (byte)'.' || (allowPeerExtras && b is (byte)'@' or (byte)':')))
            {
                return false;
            }
        }
        return true;
    }
}
