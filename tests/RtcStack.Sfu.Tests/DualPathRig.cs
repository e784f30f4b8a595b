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

    public static async Task<DualPathRig> StartAsync()
    {
        var rig = new DualPathRig();
        try
        {
            await rig.ConnectAsync();
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(Errors).SetMinimumLevel(LogLevel.Trace));
        Media = WebRtcServer.Start(new MediaOptions { ListenIp = "127.0.0.1", Port = 0, IceTcp = true }, _loggerFactory);
        Transport = Media.CreateTransport();
        Transport.Connect(Peer.Fingerprint, DtlsRole.Server, null);
        var ice = Transport.IceCredentials;
        Peer.Attach(Media.LocalEndPoint, ice.Ufrag, ice.Pwd, Media.Fingerprint);
        Assert.Equal(DtlsHandshakeResult.Connected, await Peer.HandshakeAsync());
        Assert.Equal(DtlsHandshakeResult.Connected, await Transport.Connected.WaitAsync(Long));
        var tcp = new IPEndPoint(IPAddress.Loopback, Media.TcpCandidate!.Value.Port);
        Tcp = await TcpPeerPath.ConnectAsync(tcp, Peer.Check(ice.Ufrag, ice.Pwd, useCandidate: false));
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
