namespace RtcStack.Turn.Tests.Tcp;

/// <summary><see cref="TlsRenegotiationTests"/> on the asynchronous read loop (the fallback off Linux x64 or with RTCSTACK_TURN_STREAM_POLLER=0).</summary>
public sealed class TlsRenegotiationAsyncTests : TlsRenegotiationTests
{
    protected override bool UseStreamPoller => false;
}
