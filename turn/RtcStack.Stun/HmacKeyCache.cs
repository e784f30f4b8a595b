using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>
/// A small, bounded set of keyed HMACs for one algorithm, owned by one thread (RFC 8489 §14.5, §14.6).
/// Resetting a kept HMAC costs far less than a one-shot HMAC, which sets up a new OpenSSL 3 MAC context
/// per call (about 2.5x the cost); a TURN allocation computes several HMACs with the same key.
/// </summary>
/// <remarks>
/// Memory is fixed: at most <see cref="Capacity"/> keyed HMACs, and key bytes live in buffers allocated once.
/// Only the signing path (<c>keep</c> true: the server signs a response after the request's integrity was verified,
/// a client signs with its own credentials) changes the set: a key signed with for the first time is answered with a
/// one-shot HMAC (no managed allocation) and only remembered as the candidate; it gets a kept HMAC (the one
/// allocation) when it signs again while still the candidate, replacing the least recently used one. Verification
/// (<c>keep</c> false) only looks keys up: an unauthenticated sender repeating a username with a bad
/// MESSAGE-INTEGRITY never promotes or evicts anything. So a flood of distinct keys (one per username, password or
/// realm) allocates nothing and never evicts the keys in use. Keys longer than <see cref="MaxKeyLength"/> (the
/// SHA-1/SHA-256 block size) are never kept; evicted key bytes are zeroed.
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

    /// <summary>Whether a kept HMAC exists for <paramref name="key"/> (tests).</summary>
    internal bool Contains(ReadOnlySpan<byte> key) => IndexOf(key) >= 0;

    /// <summary>
    /// Writes HMAC(key, data) to <paramref name="destination"/> (at least the hash size). <paramref name="keep"/> true
    /// (signing) may keep the key (see the remarks); false (verifying an unauthenticated message) only looks it up.
    /// </summary>
    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination, bool keep)
    {
        int index = IndexOf(key);
        IncrementalHash? mac = index >= 0 ? _macs[index] : null;
        if (keep)
        {
            if (mac is not null)
            {
                _lastUse[index] = ++_clock;
            }
            else if (key.Length <= MaxKeyLength && _candidateLength == key.Length && key.SequenceEqual(_candidate.AsSpan(0, key.Length)))
            {
                mac = Promote(key);
            }
            else
            {
                CryptographicOperations.ZeroMemory(_candidate);
                _candidateLength = key.TryCopyTo(_candidate) ? key.Length : -1;
            }
        }

        if (mac is null)
        {
            OneShot(key, data, destination);
            return;
        }

        mac.AppendData(data);
        if (!mac.TryGetHashAndReset(destination, out _))
        {
            throw new ArgumentException("Destination is too short for the HMAC.", nameof(destination));
        }
    }

    private int IndexOf(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (_macs[i] is not null && _keyLengths[i] == key.Length && key.SequenceEqual(_keys.AsSpan(i * MaxKeyLength, key.Length)))
            {
                return i;
            }
        }

        return -1;
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

        // The slot is empty before anything can throw: never a disposed HMAC under a new key.
        IncrementalHash? evicted = _macs[victim];
        _macs[victim] = null;
        evicted?.Dispose();
        Span<byte> slot = _keys.AsSpan(victim * MaxKeyLength, MaxKeyLength);
        CryptographicOperations.ZeroMemory(slot);
        _candidateLength = -1;
        CryptographicOperations.ZeroMemory(_candidate);
        key.CopyTo(slot);
        var mac = IncrementalHash.CreateHMAC(_algorithm, slot[..key.Length]);
        _keyLengths[victim] = key.Length;
        _lastUse[victim] = ++_clock;
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
