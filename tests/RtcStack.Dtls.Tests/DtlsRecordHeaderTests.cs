using FsCheck.Xunit;

namespace RtcStack.Dtls.Tests;

public sealed class DtlsRecordHeaderTests
{
    [Theory]
    [InlineData(new byte[] { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 9, 9 }, DtlsRecordResult.Ok, 1)]
    [InlineData(new byte[] { 22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 2, 0, 1, 7 }, DtlsRecordResult.Ok, 2)]
    [InlineData(new byte[] { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 9, 9 }, DtlsRecordResult.Truncated, 0)]
    [InlineData(new byte[] { 22, 0xFE, 0xFD }, DtlsRecordResult.Truncated, 0)]
    [InlineData(new byte[] { 19, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, DtlsRecordResult.BadContentType, 0)]
    [InlineData(new byte[] { 22, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 }, DtlsRecordResult.BadVersion, 0)]
    [InlineData(new byte[] { }, DtlsRecordResult.Empty, 0)]
    public void Validate_table(byte[] datagram, DtlsRecordResult expected, int records)
    {
        Assert.Equal(expected, DtlsRecordHeader.Validate(datagram, out var n));
        if (expected == DtlsRecordResult.Ok)
        {
            Assert.Equal(records, n);
        }
    }

    [Fact]
    public void Reads_header_fields()
    {
        byte[] data = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0];
        Assert.Equal(DtlsRecordResult.Ok, DtlsRecordHeader.TryRead(data, out var h));
        Assert.Equal((23, 0xFEFD, 1, 0x0102ul, 0), (h.ContentType, h.Version, h.Epoch, h.SequenceNumber, h.FragmentLength));
    }

    [Property(MaxTest = 1000)]
    public void Validate_never_throws(byte[] data) => DtlsRecordHeader.Validate(data, out _);

    [Property(MaxTest = 300)]
    public void Session_never_throws_on_any_datagram(byte[] data)
    {
        using var session = new DtlsSession(DtlsRole.Server, Certificate, _ => true, _ => { });
        session.ProcessDatagram(data);
    }

    private static readonly DtlsCertificate Certificate = DtlsCertificate.Generate();

    [Fact]
    public void Certificate_fingerprint_is_sha256_of_der()
    {
        var c = DtlsCertificate.Generate();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(c.Der.Span), c.Sha256Fingerprint.ToArray());
        Assert.Equal(95, c.Sha256FingerprintHex.Length);
    }
}
