using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace RtcStack.Srtp;

/// <summary>
/// AES in counter mode (RFC 3711 §4.1.1): keystream block j = AES(k, IV + j mod 2^128), XORed onto the data.
/// Counter blocks are encrypted with a reusable ECB transform into preallocated arrays, so it allocates nothing.
/// Not thread-safe: one owner at a time.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int BlockSize = 16;
    private const int BlocksPerBatch = 128;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[BlocksPerBatch * BlockSize];
    private readonly byte[] _keystream = new byte[BlocksPerBatch * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>XORs the keystream that starts at <paramref name="iv"/> (16 bytes) onto <paramref name="data"/>.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var counter = BinaryPrimitives.ReadUInt128BigEndian(iv);
        while (!data.IsEmpty)
        {
            var blocks = Math.Min(BlocksPerBatch, (data.Length + BlockSize - 1) / BlockSize);
            for (var j = 0; j < blocks; j++)
            {
                BinaryPrimitives.WriteUInt128BigEndian(_counters.AsSpan(j * BlockSize), counter++);
            }

            var bytes = blocks * BlockSize;
            _ecb.TransformBlock(_counters, 0, bytes, _keystream, 0);
            var chunk = Math.Min(bytes, data.Length);
            Xor(data[..chunk], _keystream.AsSpan(0, chunk));
            data = data[chunk..];
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_keystream);
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<byte>.Count <= data.Length; i += Vector<byte>.Count)
            {
                var value = new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..]);
                value.CopyTo(data[i..]);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }
}
