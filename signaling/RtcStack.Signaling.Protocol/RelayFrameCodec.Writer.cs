using System.Buffers.Text;
using System.Text;

namespace RtcStack.Signaling.Protocol;

/// <summary>The writing half of <see cref="RelayFrameCodec"/>: server frames assembled from the client's bytes, in <see cref="FrameWriter"/>'s field order.</summary>
public static partial class RelayFrameCodec
{
    /// <summary>
    /// The recipient-independent part of the server frame: <c>"room":…,"from":…[,"sdp":…][,"iceRestart":…][,"candidate":…][,"data":…]}</c>.
    /// <paramref name="from"/> must be a valid peer id (ASCII, nothing to escape).
    /// </summary>
    public static byte[] WriteBody(ReadOnlySpan<byte> utf8, in RelayFrame frame, string from)
    {
        ArgumentNullException.ThrowIfNull(from);
        byte[] body = new byte["\"room\":\"".Length + frame.Room.Length + TailLength(from, frame.Sdp, frame.IceRestart, frame.Candidate, frame.Data)];
        var w = new SpanWriter(body);
        w.Ascii("\"room\":\"");
        w.Ascii(frame.Room);
        w.Tail(utf8, from, frame.Sdp, frame.IceRestart, frame.Candidate, frame.Data);
        return body;
    }

    /// <summary>
    /// One recipient's whole frame from a scanned client frame in one allocation: what <see cref="Stamp(string, long, ReadOnlySpan{byte})"/>
    /// of <see cref="WriteBody"/> gives for the same frame. <paramref name="from"/> must be a valid peer id.
    /// </summary>
    public static byte[] Stamp(long seq, ReadOnlySpan<byte> utf8, in RelayFrameScan scan, string from)
    {
        ArgumentNullException.ThrowIfNull(from);
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(seq, digits, out int n);
        byte[] frame = new byte["{\"type\":\"\",\"seq\":,\"room\":\"".Length + scan.Type.Length + n + scan.Room.Length
            + TailLength(from, scan.Sdp, scan.IceRestart, scan.Candidate, scan.Data)];
        var w = new SpanWriter(frame);
        w.Ascii("{\"type\":\"");
        w.Ascii(scan.Type);
        w.Ascii("\",\"seq\":");
        w.Bytes(digits[..n]);
        w.Ascii(",\"room\":\"");
        w.Bytes(utf8.Slice(scan.Room.Start, scan.Room.Length));
        w.Tail(utf8, from, scan.Sdp, scan.IceRestart, scan.Candidate, scan.Data);
        return frame;
    }

    /// <summary>Bytes of what <see cref="SpanWriter.Tail"/> writes.</summary>
    private static int TailLength(string from, (int, int Length) sdp, bool? iceRestart, (int, int Length) candidate, (int, int Length) data) =>
        "\",\"from\":\"\"}".Length + from.Length + Optional("sdp", sdp.Length) + Optional("candidate", candidate.Length) + Optional("data", data.Length)
        + (iceRestart is bool restart ? ",\"iceRestart\":".Length + (restart ? 4 : 5) : 0);

    /// <summary>One recipient's frame: <c>{"type":…,"seq":N,</c> followed by <paramref name="body"/> from <see cref="WriteBody"/>.</summary>
    public static byte[] Stamp(string type, long seq, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(type);
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(seq, digits, out int n);
        byte[] frame = new byte["{\"type\":\"\",\"seq\":,".Length + type.Length + n + body.Length];
        var w = new SpanWriter(frame);
        w.Ascii("{\"type\":\"");
        w.Ascii(type);
        w.Ascii("\",\"seq\":");
        w.Bytes(digits[..n]);
        w.Ascii(",");
        w.Bytes(body);
        return frame;
    }

    private static int Optional(string name, int rawLength) => rawLength == 0 ? 0 : name.Length + 4 + rawLength;

    private ref struct SpanWriter(Span<byte> target)
    {
        private readonly Span<byte> _target = target;
        private int _at;

        public void Ascii(string s) => _at += Encoding.ASCII.GetBytes(s, _target[_at..]);

        public void Bytes(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_target[_at..]);
            _at += bytes.Length;
        }

        /// <summary>Everything after the room name: <c>","from":…[,"sdp":…][,"iceRestart":…][,"candidate":…][,"data":…]}</c>.</summary>
        public void Tail(scoped ReadOnlySpan<byte> utf8, string from, (int, int) sdp, bool? iceRestart, (int, int) candidate, (int, int) data)
        {
            Ascii("\",\"from\":\"");
            Ascii(from);
            Ascii("\"");
            Raw(",\"sdp\":", utf8, sdp);
            if (iceRestart is bool ice)
            {
                Ascii(ice ? ",\"iceRestart\":true" : ",\"iceRestart\":false");
            }
            Raw(",\"candidate\":", utf8, candidate);
            Raw(",\"data\":", utf8, data);
            Ascii("}");
        }

        public void Raw(string prefix, scoped ReadOnlySpan<byte> source, (int Start, int Length) range)
        {
            if (range.Length != 0)
            {
                Ascii(prefix);
                Bytes(source.Slice(range.Start, range.Length));
            }
        }
    }
}
