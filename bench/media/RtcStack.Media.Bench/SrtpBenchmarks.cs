using BenchmarkDotNet.Attributes;
using RtcStack.Srtp;

namespace RtcStack.Media.Bench;

/// <summary>
/// SRTP protect and unprotect of one 1,200-byte RTP packet (12-byte header + 1,188 payload) per operation.
/// Unprotect is measured on a fresh copy of a protected packet each time with an advancing sequence number,
/// so the replay check passes; the copy (1.2 kB memcpy) is part of the measured time. Each iteration is one pass
/// over a ring of 4,096 packets with a new receiver (created in the untimed iteration setup).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[InvocationCount(Ring)]
public class SrtpBenchmarks
{
    private const int PacketLength = 1200;
    private const int Ring = 4096;

    private readonly byte[] _buffer = new byte[PacketLength + 64];
    private byte[][] _protected = [];
    private SrtpSession _sender = null!;
    private SrtpSession _receiver = null!;
    private int _next;
    private ushort _sequence;

    [Params(SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes128Gcm)]
    public SrtpProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var material = new byte[Profile.GetKeyingMaterialLength()];
        new Random(1).NextBytes(material);
        _sender = SrtpSession.CreateFromKeyingMaterial(Profile, material, isDtlsClient: true);
        _receiver = SrtpSession.CreateFromKeyingMaterial(Profile, material, isDtlsClient: false);
        _buffer[0] = 0x80;
        _buffer[1] = 96;
        _buffer[11] = 1;

        // A ring of protected packets for the unprotect benchmark (the replay window rejects repeats, so each
        // iteration starts with a new receiver).
        _protected = new byte[Ring][];
        for (var i = 0; i < Ring; i++)
        {
            var packet = new byte[PacketLength + 64];
            _buffer.AsSpan(0, PacketLength).CopyTo(packet);
            packet[2] = (byte)(i >> 8);
            packet[3] = (byte)i;
            _sender.ProtectRtp(packet, PacketLength, out var length);
            _protected[i] = packet[..length];
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark]
    public SrtpResult Protect()
    {
        _sequence++;
        _buffer[2] = (byte)(_sequence >> 8);
        _buffer[3] = (byte)_sequence;
        return _sender.ProtectRtp(_buffer, PacketLength, out _);
    }

    [IterationSetup(Target = nameof(Unprotect))]
    public void NewReceiver()
    {
        _receiver.Dispose();
        var material = new byte[Profile.GetKeyingMaterialLength()];
        new Random(1).NextBytes(material);
        _receiver = SrtpSession.CreateFromKeyingMaterial(Profile, material, isDtlsClient: false);
        _next = 0;
    }

    [Benchmark]
    public SrtpResult Unprotect()
    {
        var source = _protected[_next++ & (Ring - 1)];
        source.CopyTo(_buffer, 0);
        return _receiver.UnprotectRtp(_buffer.AsSpan(0, source.Length), out _);
    }
}
