using System.Runtime.CompilerServices;
using System.Text.Unicode;

using static RtcStack.Signaling.Protocol.RelayFrameFields;

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
        var f = default(Fields);
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
            if (!TryReadField(utf8, ref at, field, ref f))
            {
                return RelayReadResult.UseParser;
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
        string? type = f.Type;
        bool valid = type is not null && (seen & HasRoom) != 0
            && ((seen & HasTo) != 0 || type == MessageTypes.Message)
            && HasBody(type, seen);
        if (!valid)
        {
            return RelayReadResult.UseParser;
        }
        scan = new RelayFrameScan
        {
            Type = type!,
            HasId = (seen & HasId) != 0,
            Id = f.Id,
            Room = f.Room,
            To = f.To,
            Sdp = f.Sdp,
            IceRestart = f.IceRestart,
            Candidate = type == MessageTypes.Candidate ? f.Candidate : default,
            Data = type == MessageTypes.Message ? f.Data : default,
        };
        return RelayReadResult.Ok;
    }

    /// <summary>The value of one field (its bit in <paramref name="field"/>, 0 for one skipped) at <paramref name="at"/> (not null): checked, recorded, passed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadField(ReadOnlySpan<byte> utf8, ref int at, int field, ref Fields f)
    {
        int start = at;
        switch (field)
        {
            case HasType:
                return TryPlainString(utf8, ref at, out (int Start, int Length) t)
                    && (f.Type = RelayFrameCodec.RelayType(utf8.Slice(t.Start, t.Length))) is not null;
            case HasId:
                return TryPlainString(utf8, ref at, out f.Id) && f.Id.Length <= SignalingProtocol.MaxRequestIdLength
                    && !utf8.Slice(f.Id.Start, f.Id.Length).ContainsAnyExceptInRange((byte)0, (byte)0x7F);
            case HasRoom:
                return TryPlainString(utf8, ref at, out f.Room) && IsValidName(utf8.Slice(f.Room.Start, f.Room.Length), SignalingProtocol.MaxRoomLength, false);
            case HasTo:
                return TryPlainString(utf8, ref at, out f.To) && IsValidName(utf8.Slice(f.To.Start, f.To.Length), SignalingProtocol.MaxPeerIdLength, true);
            case HasSdp:
                if (utf8[at] != (byte)'"' || !JsonValueSkipper.TrySkipString(utf8, ref at))
                {
                    return false;
                }
                f.Sdp = (start, at - start);
                return true;
            case HasIce:
                if (utf8[at..].StartsWith("true"u8) || utf8[at..].StartsWith("false"u8))
                {
                    f.IceRestart = utf8[at] == (byte)'t';
                    at += f.IceRestart.Value ? 4 : 5;
                    return true;
                }
                return false;
            default: // candidate, data, or a field no client message has (skipped)
                if ((field == HasCandidate && utf8[at] != (byte)'{') || !JsonValueSkipper.TrySkipValue(utf8, ref at, 1))
                {
                    return false;
                }
                if (field == HasCandidate)
                {
                    f.Candidate = (start, at - start);
                }
                else if (field == HasData)
                {
                    f.Data = (start, at - start);
                }
                return true;
        }
    }

    private static int SkipSpace(ReadOnlySpan<byte> utf8, int at) => JsonValueSkipper.SkipSpace(utf8, at);

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

    /// <summary>What <see cref="TryReadField"/> recorded so far.</summary>
    private struct Fields
    {
        public string? Type;
        public bool? IceRestart;
        public (int Start, int Length) Id, Room, To, Sdp, Candidate, Data;
    }
}
