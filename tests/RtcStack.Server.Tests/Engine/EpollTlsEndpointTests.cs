using RtcStack.Server.Tests.Listener;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The https endpoint tests with the epoll engine in front of Kestrel.</summary>
public sealed class EpollTlsEndpointTests : TlsEndpointTests
{
    protected override string Engine => EngineSettings.Epoll;
}
