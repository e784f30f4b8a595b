namespace RtcStack.Server.Tests.Engine;

/// <summary>The setting that puts a test node's <c>/ws</c> on the epoll engine.</summary>
internal static class EngineSettings
{
    public const string Epoll = "--Server:SignalingEngine=epoll";
}
