using FsCheck;
using FsCheck.Fluent;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests;

/// <summary>Nothing a client sends throws out of the processor; malformed input is counted.</summary>
public sealed class RobustnessTests : IAsyncLifetime
{
    private readonly TestHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public void Any_bytes_are_processed_without_throwing(byte[] bytes)
    {
        _h.Server.Processor!.Process(bytes ?? [], _h.Tuple(), new CapturingEndpoint(), _h.Ingress);
    }

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public void Mutated_valid_requests_never_throw(int seed, byte flip)
    {
        byte[] request = new TestClient().Build(StunMethod.Allocate, TestClient.RequestUdp, sign: true);
        var random = new Random(seed);
        for (int i = 0; i < 4; i++)
        {
            request[random.Next(request.Length)] ^= (byte)(flip | 1);
        }
        _h.Server.Processor!.Process(request, _h.Tuple(), new CapturingEndpoint(), _h.Ingress);
    }

    [Fact]
    public void Garbage_is_counted_as_malformed()
    {
        long before = _h.State.Metrics.MalformedDropped;
        _h.Server.Processor!.Process([0x00, 0x01, 0x00, 0x05, 1, 2, 3], _h.Tuple(), new CapturingEndpoint(), _h.Ingress);
        _h.Server.Processor!.Process([0x40, 0x00, 0x10, 0x00, 1], _h.Tuple(), new CapturingEndpoint(), _h.Ingress);
        Assert.Equal(2, _h.State.Metrics.MalformedDropped - before);
    }
}
