using RtcStack.Server.Tests.Protocol;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The tests of <see cref="ErrorTests"/> with the epoll WebSocket engine serving <c>/ws</c>.</summary>
public sealed class EpollErrorTests : ErrorTests
{
    protected override string[] Settings => [EngineSettings.Epoll];
}
