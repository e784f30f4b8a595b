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
}
