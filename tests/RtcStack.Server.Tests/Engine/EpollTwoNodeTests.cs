using RtcStack.Server.Tests.ScaleOut;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The tests of <see cref="TwoNodeTests"/> with the epoll WebSocket engine serving <c>/ws</c>.</summary>
public sealed class EpollTwoNodeTests : TwoNodeTests
{
    protected override string[] Settings => [EngineSettings.Epoll];
}
