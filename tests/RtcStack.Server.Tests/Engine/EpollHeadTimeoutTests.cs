using RtcStack.Server.Tests.Listener;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The tests of <see cref="HeadTimeoutTests"/> with the epoll WebSocket engine serving <c>/ws</c>.</summary>
public sealed class EpollHeadTimeoutTests : HeadTimeoutTests
{
    protected override string[] Settings => [EngineSettings.Epoll];
}
