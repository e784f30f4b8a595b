using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// The settings that put a test node's <c>/ws</c> on one engine. <c>epoll</c> is the default; the base classes of the
/// <c>Epoll*</c> tests (handshake, head timeout, protocol errors, relay, two nodes) set <see cref="Kestrel"/> so that the
/// Kestrel path stays covered.
/// </summary>
internal static class EngineSettings
{
    public const string Epoll = "--Server:SignalingEngine=epoll";

    public const string Kestrel = "--Server:SignalingEngine=kestrel";

    /// <summary>
    /// At the end of a test: the engine the settings asked for really served the node (an <c>Epoll*</c> test would
    /// otherwise pass as well if everything went to Kestrel), and a <see cref="Kestrel"/> node has no engine.
    /// </summary>
    public static void AssertServed(IServiceProvider services, string[] settings)
    {
        EpollEngine? engine = services.GetService<EpollEngine>();
        if (settings.Contains(Epoll))
        {
            Assert.True(engine is { Metrics.Events: > 0 }, "the epoll engine handled this test's sockets");
        }
        else if (settings.Contains(Kestrel))
        {
            Assert.Null(engine);
        }
    }
}
