using System.Text;
using RtcStack.Stun.Tests.TestData;

namespace RtcStack.Stun.Tests;

/// <summary>Hot paths allocate nothing: parse, typed getters, verify, write, ChannelData.</summary>
public sealed class AllocationTests
{
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes(Rfc5769.ShortTermPassword);

    [Fact]
    public void Parse_and_verify_allocate_nothing()
    {
        byte[] large = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddData(new byte[1800]); // beyond the stack copy limit: the pooled path
            w.AddMessageIntegrity(ShortTermKey);
            w.AddMessageIntegritySha256(ShortTermKey);
            w.AddFingerprint();
        });
        Assert.True(ParseAndVerify(Rfc5769.SampleRequest, large)); // warm up JIT, pools
        int failures = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            failures += ParseAndVerify(Rfc5769.SampleRequest, large) ? 0 : 1;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Write_allocates_nothing()
    {
        var buffer = new byte[512];
        TransportAddress address = TransportAddress.FromIPv6(0x20010db800000000, 1, 3478);
        TransactionId transactionId = TransactionId.NewRandom();
        Assert.True(Write(buffer, address, transactionId));
        Assert.True(Write(buffer, address, transactionId)); // a key gets a kept HMAC on its second use (HmacKeyCache)
        int failures = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            failures += Write(buffer, address, transactionId) ? 0 : 1;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Channel_data_and_framing_allocate_nothing()
    {
        var buffer = new byte[1024];
        var payload = new byte[1000];
        int total = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            ChannelDataWriter.TryWrite(buffer, 0x4001, payload, padded: true, out int written);
            StunFraming.TryGetFrameLength(buffer, out _);
            ChannelDataReader.TryParse(buffer.AsSpan(0, written), out ChannelDataReader reader);
            total += reader.Data.Length;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100_000, total);
        Assert.Equal(0, allocated);
    }

    // No Assert inside measured code: xunit's Assert.Equal allocates.
    private static bool ParseAndVerify(byte[] request, byte[] large) =>
        StunMessageReader.TryParse(request, out StunMessageReader reader) == StunParseResult.Success
        && reader.TryGetUsername(out _)
        && reader.TryGetPriority(out _)
        && reader.TryGetIceControlled(out _)
        && reader.GetUnknownComprehensionRequired([]) == 0
        && reader.VerifyMessageIntegrity(ShortTermKey)
        && reader.VerifyFingerprint()
        && StunMessageReader.TryParse(large, out StunMessageReader big) == StunParseResult.Success
        && big.TryGetData(out _)
        && big.VerifyMessageIntegrity(ShortTermKey)
        && big.VerifyMessageIntegritySha256(ShortTermKey)
        && big.VerifyFingerprint();

    private static bool Write(byte[] buffer, TransportAddress address, TransactionId transactionId)
    {
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.SuccessResponse), transactionId);
        writer.AddXorRelayedAddress(address);
        writer.AddXorMappedAddress(address);
        writer.AddLifetime(600);
        writer.AddSoftware("RtcStack");
        writer.AddErrorCode(438, "Stale Nonce");
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddMessageIntegritySha256(ShortTermKey);
        writer.AddFingerprint();
        return writer.TryComplete(out _);
    }
}
