using FsCheck.Xunit;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

public sealed class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("123456789", 0xE3069283u)] // the CRC-32C check value (RFC 3720 §B.4 family)
    public void Known_values(string input, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(System.Text.Encoding.ASCII.GetBytes(input)));

    [Fact]
    public void Rfc3720_vector_32_zero_bytes() =>
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32])); // RFC 3720 §B.4: 32 bytes of zeroes

    [Fact]
    public void Rfc3720_vector_32_ones() =>
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));

    [Property]
    public bool Hardware_and_software_paths_agree(byte[] data) =>
        ~Crc32C.AppendSoftware(0xFFFFFFFFu, data) == Crc32C.Compute(data);
}
