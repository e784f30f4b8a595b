using System.Net;
using Microsoft.Extensions.Logging;
using RtcStack.Dtls;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// One <see cref="WebRtcTransport"/> (no echo, the test sets the handlers) on its own media server, connected to a
/// <see cref="LoopbackPeer"/> over UDP (DTLS, nominated) and validated on a second path over ICE-TCP: the server
/// then hears the peer on both, on two receive threads.
/// </summary>
internal sealed class DualPathRig : IAsyncDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private ILoggerFactory _loggerFactory = null!;

    public ErrorLog Errors { get; } = new();

    public WebRtcServer Media { get; private set; } = null!;

    public WebRtcTransport Transport { get; private set; } = null!;

    public LoopbackPeer Peer { get; } = new();

    public TcpPeerPath Tcp { get; private set; } = null!;

    public ReceiveCounters Counters => Transport.ReceiveCounters;

    /// <summary>Completed when the handshake ended and the key install is held (<c>holdKeys</c>).</summary>
    public TaskCompletionSource KeysHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Complete it to let a held key install go on.</summary>
    public TaskCompletionSource ReleaseKeys { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Connects both paths. With <paramref name="holdKeys"/> the server's SRTP keys are not installed until
    /// <see cref="ReleaseKeys"/> completes (the peer is connected and may send early SRTP).
    /// </summary>
    public static async Task<DualPathRig> StartAsync(bool holdKeys = false, TimeSpan? tcpSendStallTimeout = null)
    {
        var rig = new DualPathRig();
        try
        {
            await rig.ConnectAsync(holdKeys, tcpSendStallTimeout ?? TimeSpan.FromSeconds(5));
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync(bool holdKeys, TimeSpan tcpSendStallTimeout)
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(Errors).SetMinimumLevel(LogLevel.Trace));
        Media = WebRtcServer.Start(new MediaOptions
        {
            ListenIp = "127.0.0.1",
            Port = 0,
            IceTcp = true,
            IceTcpSendStallTimeout = tcpSendStallTimeout,
        }, _loggerFactory);
        if (holdKeys)
        {
            Media.BeforeKeysInstalled = _ =>
            {
                KeysHeld.TrySetResult();
                return ReleaseKeys.Task;
            };
        }
        Transport = Media.CreateTransport();
        Transport.Connect(Peer.Fingerprint, DtlsRole.Server, null);
        var ice = Transport.IceCredentials;
        Peer.Attach(Media.LocalEndPoint, ice.Ufrag, ice.Pwd, Media.Fingerprint);
        var tcp = new IPEndPoint(IPAddress.Loopback, Media.TcpCandidate!.Value.Port);
        Tcp = await TcpPeerPath.ConnectAsync(tcp, Peer.Check(ice.Ufrag, ice.Pwd, useCandidate: false));
        Assert.Equal(DtlsHandshakeResult.Connected, await Peer.HandshakeAsync());
        if (holdKeys)
        {
            await KeysHeld.Task.WaitAsync(Long);
        }
        else
        {
            Assert.Equal(DtlsHandshakeResult.Connected, await Transport.Connected.WaitAsync(Long));
        }
    }

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds, then asserts it.</summary>
    public static async Task WaitUntil(Func<bool> condition, Func<string> message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        Assert.True(condition(), message());
    }

    public string Describe() =>
        $"received {Counters.Received}, replayed {Counters.Replayed}, auth failed {Counters.AuthFailed}, " +
        $"dropped {Counters.Dropped}, dropped closed {Counters.DroppedClosed}; log: {Errors}";

    public async ValueTask DisposeAsync()
    {
        ReleaseKeys.TrySetResult();
        if (Tcp is not null)
        {
            await Tcp.DisposeAsync();
        }
        if (Transport is not null)
        {
            await Transport.DisposeAsync();
        }
        await Peer.DisposeAsync();
        if (Media is not null)
        {
            await Media.DisposeAsync();
        }
        _loggerFactory?.Dispose();
    }
}
