using BenchmarkDotNet.Attributes;
using RtcStack.Rtp;
using RtcStack.Srtp;

namespace RtcStack.Media.Bench;

/// <summary>
/// The SFU per-packet work for one forwarded 1,200-byte packet: unprotect from the producer's session (AES-GCM),
/// rewrite SSRC, sequence number and the transport-wide sequence number, protect for one consumer (AES-GCM).
/// Each iteration replays a ring of 4,096 packets into a new producer-side receiver (untimed setup).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[InvocationCount(Ring)]
public class ForwardBenchmarks
{
    private const int PacketLength = 1200;
    private const int Ring = 4096;

    private readonly byte[] _buffer = new byte[PacketLength + 64];
    private readonly byte[] _material = new byte[SrtpProfile.AeadAes128Gcm.GetKeyingMaterialLength()];
    private byte[][] _protected = [];
    private SrtpSession _producerIn = null!;
    private SrtpSession _consumerOut = null!;
    private int _next;
    private ushort _outSequence;

    [GlobalSetup]
    public void Setup()
    {
        new Random(2).NextBytes(_material);
        using var browser = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, _material, isDtlsClient: true);
        _producerIn = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, _material, isDtlsClient: false);
        _consumerOut = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, _material, isDtlsClient: false);
        var payload = new byte[PacketLength - 20];
        _protected = new byte[Ring][];
        for (var i = 0; i < Ring; i++)
        {
            var packet = new byte[PacketLength + 64];
            var writer = new RtpPacketWriter(packet);
            writer.TryWriteHeader(false, 96, (ushort)i, (uint)i * 3000, 0xAAAA0001);
            writer.TryAddExtension(3, [(byte)(i >> 8), (byte)i]);
            writer.TryWritePayload(payload);
            writer.TryFinish(out var length);
            browser.ProtectRtp(packet, length, out var wire);
            _protected[i] = packet[..wire];
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _producerIn.Dispose();
        _consumerOut.Dispose();
    }

    [IterationSetup]
    public void NewReceiver()
    {
        _producerIn.Dispose();
        _producerIn = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, _material, isDtlsClient: false);
        _next = 0;
    }

    [Benchmark]
    public SrtpResult Forward()
    {
        var source = _protected[_next++ & (Ring - 1)];
        source.CopyTo(_buffer, 0);
        _producerIn.UnprotectRtp(_buffer.AsSpan(0, source.Length), out var length);
        var packet = _buffer.AsSpan(0, length);
        _outSequence++;
        RtpPacketEditor.TrySetSsrc(packet, 0xBBBB0002);
        RtpPacketEditor.TrySetSequenceNumber(packet, _outSequence);
        RtpPacketEditor.TrySetExtension(packet, 3, [(byte)(_outSequence >> 8), (byte)_outSequence]);
        return _consumerOut.ProtectRtp(_buffer, length, out _);
    }
}
