using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// CRC32c (Castagnoli, reflected polynomial 0x82F63B78), the SCTP checksum of RFC 9260 §6.8 and
/// Appendix A. System.IO.Hashing has no CRC32c, so this uses the SSE4.2 / ARMv8 CRC instructions
/// when present and a slicing-by-8 table otherwise.
/// </summary>
internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();

    /// <summary>The standard CRC32c of <paramref name="data"/> (initial ~0, final xor ~0).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>Continues a CRC over more bytes (no final xor); start with 0xFFFFFFFF.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            return AppendSse42X64(crc, data);
        }

        if (Crc32.Arm64.IsSupported)
        {
            return AppendArm64(crc, data);
        }

        return AppendSoftware(crc, data);
    }

    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        while (data.Length >= 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[(7 * 256) + (lo & 0xFF)] ^ t[(6 * 256) + ((lo >> 8) & 0xFF)]
                ^ t[(5 * 256) + ((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (lo >> 24)]
                ^ t[(3 * 256) + (hi & 0xFF)] ^ t[(2 * 256) + ((hi >> 8) & 0xFF)]
                ^ t[256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint AppendSse42X64(uint crc, ReadOnlySpan<byte> data)
    {
        ulong c = crc;
        while (data.Length >= 8)
        {
            c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        uint r = (uint)c;
        foreach (byte b in data)
        {
            r = Sse42.Crc32(r, b);
        }

        return r;
    }

    private static uint AppendArm64(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = Crc32.ComputeCrc32C(crc, b);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }

            table[i] = c;
        }

        for (int s = 1; s < 8; s++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint prev = table[((s - 1) * 256) + i];
                table[(s * 256) + i] = (prev >> 8) ^ table[prev & 0xFF];
            }
        }

        return table;
    }
}
