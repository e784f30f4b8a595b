namespace RtcStack.Srtp.Tests;

public sealed class SrtpRobustnessTests
{
    public static TheoryData<SrtpProfile> AllProfiles => new(SessionFactory.Profiles);

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Unprotect_never_throws_on_random_or_truncated_input(SrtpProfile profile)
    {
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var random = new Random(1234);
            var good = SessionFactory.Protect(sender, 10, 5, new byte[100]);
            for (var cut = 0; cut <= good.Length; cut++)
            {
                receiver.UnprotectRtp(good[..cut].ToArray(), out _);
                receiver.UnprotectRtcp(good[..cut].ToArray(), out _);
            }

            for (var i = 0; i < 3000; i++)
            {
                var data = new byte[random.Next(0, 300)];
                random.NextBytes(data);
                if (data.Length > 0 && i % 2 == 0)
                {
                    data[0] = (byte)(0x80 | (data[0] & 0x3F)); // version 2 so parsing goes deeper
                }

                var result = receiver.UnprotectRtp(data, out var length);
                Assert.NotEqual(SrtpResult.Ok, result);
                Assert.Equal(0, length);
                Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtcp(data.ToArray(), out _));
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Protect_and_unprotect_allocate_nothing_after_warm_up(SrtpProfile profile)
    {
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var rtp = new byte[1200 + 32];
            var rtcp = new byte[200];
            rtcp[0] = 0x80;
            rtcp[1] = 200;
            rtcp[3] = 40; // 41 words = 164 bytes
            const int RtcpLength = 164;

            void RunOnce(ushort seq)
            {
                SessionFactory.Rtp(seq, 0x1234, new byte[1188]).AsSpan(0, 12).CopyTo(rtp);
                sender.ProtectRtp(rtp, 1200, out var protectedLength);
                receiver.UnprotectRtp(rtp.AsSpan(0, protectedLength), out _);
                sender.ProtectRtcp(rtcp, RtcpLength, out var rtcpProtected);
                receiver.UnprotectRtcp(rtcp.AsSpan(0, rtcpProtected), out _);
            }

            for (ushort seq = 0; seq < 50; seq++)
            {
                RunOnce(seq);
            }

            var failures = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (ushort seq = 50; seq < 1050; seq++)
            {
                rtp[2] = (byte)(seq >> 8);
                rtp[3] = (byte)seq;
                failures += sender.ProtectRtp(rtp, 1200, out var protectedLength) == SrtpResult.Ok ? 0 : 1;
                failures += receiver.UnprotectRtp(rtp.AsSpan(0, protectedLength), out _) == SrtpResult.Ok ? 0 : 1;
                failures += sender.ProtectRtcp(rtcp, RtcpLength, out var rtcpProtected) == SrtpResult.Ok ? 0 : 1;
                failures += receiver.UnprotectRtcp(rtcp.AsSpan(0, rtcpProtected), out _) == SrtpResult.Ok ? 0 : 1;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, failures);
            Assert.Equal(0, allocated);
        }
    }
}
