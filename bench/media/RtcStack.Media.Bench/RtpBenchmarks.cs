using BenchmarkDotNet.Attributes;
using RtcStack.Rtp;

namespace RtcStack.Media.Bench;

/// <summary>RTP parse (header, extensions lookup, payload) and the SFU rewrite (SSRC, sequence, timestamp, PT, TWCC id).</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class RtpBenchmarks
{
    private readonly byte[] _packet = new byte[1200];
    private int _length;
    private ushort _sequence;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new RtpPacketWriter(_packet);
        writer.TryWriteHeader(true, 96, 1, 90000, 0x1234);
        writer.TryAddExtension(1, [0x80]);
        writer.TryAddExtension(2, [1, 2, 3]);
        writer.TryAddExtension(3, [0, 1]);
        writer.TryAddExtension(4, "0"u8);
        writer.TryWritePayload(new byte[1160]);
        writer.TryFinish(out _length);
    }

    [Benchmark]
    public int Parse()
    {
        RtpPacket.TryRead(_packet.AsSpan(0, _length), out var packet);
        packet.TryGetExtension(3, out var twcc);
        return packet.Payload.Length + twcc.Length + packet.SequenceNumber;
    }

    [Benchmark]
    public bool Rewrite()
    {
        var span = _packet.AsSpan(0, _length);
        _sequence++;
        return RtpPacketEditor.TrySetSsrc(span, 0xABCDEF)
            & RtpPacketEditor.TrySetSequenceNumber(span, _sequence)
            & RtpPacketEditor.TrySetTimestamp(span, _sequence * 3000u)
            & RtpPacketEditor.TrySetPayloadType(span, 100)
            & RtpPacketEditor.TrySetExtension(span, 3, [(byte)(_sequence >> 8), (byte)_sequence]);
    }
}
