using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Policy;

/// <summary>
/// Addresses on one 128-bit number line for range checks: IPv6 as is, IPv4 as its IPv4-mapped IPv6 form
/// (::ffff:a.b.c.d). <see cref="Normalize"/> folds the IPv6 spellings of an IPv4 address (IPv4-mapped
/// ::ffff:0:0/96 and the NAT64 well-known prefix 64:ff9b::/96, RFC 6052 §2.1) onto that IPv4 value, so a
/// policy written for IPv4 cannot be bypassed with an IPv6 spelling (coturn CVE-2020-26262, CVE-2026-27624).
/// </summary>
internal static class IpAddressValue
{
    /// <summary>::ffff:0:0, the base of the IPv4-mapped block (RFC 4291 §2.5.5.2).</summary>
    internal static readonly UInt128 MappedBase = new(0, 0x0000_FFFF_0000_0000UL);

    /// <summary>64:ff9b::/96, the NAT64 well-known prefix (RFC 6052 §2.1), upper 96 bits.</summary>
    private static readonly UInt128 Nat64Prefix = new(0x0064_FF9B_0000_0000UL, 0);

    private static readonly UInt128 Low32Mask = new(0, 0xFFFF_FFFFUL);

    /// <summary>The IPv4 address (host order) as a value on the line.</summary>
    internal static UInt128 FromIPv4(uint address) => MappedBase | address;

    /// <summary>Raw address bytes (4 or 16, network order) as a value, not normalised.</summary>
    internal static UInt128 FromBytes(ReadOnlySpan<byte> address) => address.Length == 4
        ? FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(address))
        : BinaryPrimitives.ReadUInt128BigEndian(address);

    /// <summary>A transport address's IP as a value, not normalised. Allocates nothing.</summary>
    internal static UInt128 FromTransportAddress(in TransportAddress address) => address.IsIPv4
        ? FromIPv4(address.IPv4Value)
        : new UInt128(address.IPv6High, address.IPv6Low);

    /// <summary>An address as a value, not normalised. Allocates nothing.</summary>
    internal static UInt128 FromAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return FromBytes(bytes[..written]);
    }

    /// <summary>Folds IPv4-mapped and NAT64 (64:ff9b::/96) IPv6 addresses onto the IPv4 value they embed.</summary>
    internal static UInt128 Normalize(UInt128 value) =>
        (value & ~Low32Mask) == Nat64Prefix ? MappedBase | (value & Low32Mask) : value;

    /// <summary>Whether the (normalised) value is an IPv4 address.</summary>
    internal static bool IsIPv4(UInt128 value) => (value & ~Low32Mask) == MappedBase;

    /// <summary>Back to an <see cref="IPAddress"/> (edges and messages only: allocates).</summary>
    internal static IPAddress ToAddress(UInt128 value)
    {
        if (IsIPv4(value))
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)(value & Low32Mask));
            return new IPAddress(v4);
        }
        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, value);
        return new IPAddress(v6);
    }

    /// <summary>The family of a normalised value.</summary>
    internal static AddressFamily Family(UInt128 value) =>
        IsIPv4(value) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
}
