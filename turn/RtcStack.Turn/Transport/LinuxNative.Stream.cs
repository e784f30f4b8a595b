namespace RtcStack.Turn.Transport;

/// <summary>The epoll flags <see cref="StreamPoller"/> adds for TCP and TLS client connections.</summary>
internal static partial class LinuxNative
{
    internal const int EpollCtlMod = 3;
    internal const uint EpollOneShot = 1u << 30;
}
