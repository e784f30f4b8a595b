using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>
/// A small, bounded set of keyed HMACs for one algorithm, owned by one thread (RFC 8489 §14.5, §14.6).
/// Resetting a kept HMAC costs far less than a one-shot HMAC, which sets up a new OpenSSL 3 MAC context
/// per call (about 2.5x the cost); a TURN allocation computes several HMACs with the same key.
/// </summary>
/// <remarks>
/// Memory is fixed: at most <see cref="Capacity"/> keyed HMACs, and key bytes live in buffers allocated once.
/// A key seen for the first time is answered with a one-shot HMAC (no managed allocation) and only remembered
/// as the candidate; it gets a kept HMAC (the one allocation) when it is used again while still the candidate,
/// replacing the least recently used one. So a flood of distinct keys (one per username, password or realm)
/// allocates nothing and never evicts the keys in use. Keys longer than <see cref="MaxKeyLength"/> (the
/// SHA-1/SHA-256 block size) are never kept.
/// </remarks>
internal sealed class HmacKeyCache
{
    /// <summary>The most keyed HMACs kept.</summary>
    public const int Capacity = 8;

    /// <summary>The longest key kept (RFC 2104 block size of SHA-1 and SHA-256); longer keys always go one-shot.</summary>
    public const int MaxKeyLength = 64;

    private readonly HashAlgorithmName _algorithm;
    private readonly byte[] _keys = new byte[Capacity * MaxKeyLength];
    private readonly int[] _keyLengths = new int[Capacity];
    private readonly long[] _lastUse = new long[Capacity];
    private readonly IncrementalHash?[] _macs = new IncrementalHash?[Capacity];
    private readonly byte[] _candidate = new byte[MaxKeyLength];
    private int _candidateLength = -1;
    private long _clock;

    public HmacKeyCache(HashAlgorithmName algorithm) => _algorithm = algorithm;

    /// <summary>Keyed HMACs currently kept (at most <see cref="Capacity"/>).</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (IncrementalHash? mac in _macs)
            {
                count += mac is null ? 0 : 1;
            }

            return count;
        }
    }

    /// <summary>Writes HMAC(key, data) to <paramref name="destination"/> (at least the hash size).</summary>
    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        IncrementalHash? mac = Find(key);
        if (mac is null && key.Length <= MaxKeyLength && _candidateLength == key.Length && key.SequenceEqual(_candidate.AsSpan(0, key.Length)))
        {
            mac = Promote(key);
        }

        if (mac is null)
        {
            _candidateLength = key.TryCopyTo(_candidate) ? key.Length : -1;
            OneShot(key, data, destination);
            return;
        }

        mac.AppendData(data);
        if (!mac.TryGetHashAndReset(destination, out _))
        {
            throw new ArgumentException("Destination is too short for the HMAC.", nameof(destination));
        }
    }

    private IncrementalHash? Find(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (_macs[i] is { } mac && _keyLengths[i] == key.Length && key.SequenceEqual(_keys.AsSpan(i * MaxKeyLength, key.Length)))
            {
                _lastUse[i] = ++_clock;
                return mac;
            }
        }

        return null;
    }

    private IncrementalHash Promote(ReadOnlySpan<byte> key)
    {
        int victim = 0;
        for (int i = 1; i < Capacity && _macs[victim] is not null; i++)
        {
            if (_macs[i] is null || _lastUse[i] < _lastUse[victim])
            {
                victim = i;
            }
        }

        _macs[victim]?.Dispose();
        Span<byte> slot = _keys.AsSpan(victim * MaxKeyLength, MaxKeyLength);
        key.CopyTo(slot);
        _keyLengths[victim] = key.Length;
        _lastUse[victim] = ++_clock;
        _candidateLength = -1;
        var mac = IncrementalHash.CreateHMAC(_algorithm, slot[..key.Length]);
        _macs[victim] = mac;
        return mac;
    }

    private void OneShot(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (_algorithm == HashAlgorithmName.SHA256)
        {
            HMACSHA256.HashData(key, data, destination);
        }
        else
        {
            HMACSHA1.HashData(key, data, destination);
        }
    }
}
