using System.Threading.Channels;

namespace RtcStack.Dtls.Tests;

/// <summary>A DTLS client and server joined by two in-memory "UDP" links, each pumped by its own task.</summary>
internal sealed class InMemoryDtlsPair : IAsyncDisposable
{
    private readonly Channel<byte[]> _toServer = Channel.CreateUnbounded<byte[]>();
    private readonly Channel<byte[]> _toClient = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pumps;
    private int _sent;

    public InMemoryDtlsPair(DtlsOptions? clientOptions = null, DtlsOptions? serverOptions = null,
        bool wrongFingerprint = false, Func<int, bool>? drop = null)
    {
        var clientCert = DtlsCertificate.Generate();
        var serverCert = DtlsCertificate.Generate();
        var other = DtlsCertificate.Generate();
        Client = new DtlsSession(DtlsRole.Client, clientCert,
            der => System.Security.Cryptography.SHA256.HashData(der).AsSpan().SequenceEqual(serverCert.Sha256Fingerprint.Span),
            d => Send(_toServer, d, drop), clientOptions);
        Server = new DtlsSession(DtlsRole.Server, serverCert,
            der => System.Security.Cryptography.SHA256.HashData(der).AsSpan().SequenceEqual((wrongFingerprint ? other : clientCert).Sha256Fingerprint.Span),
            d => Send(_toClient, d, drop), serverOptions);
        _pumps = Task.WhenAll(Pump(_toServer, Server), Pump(_toClient, Client));
    }

    public DtlsSession Client { get; }

    public DtlsSession Server { get; }

    public async Task<(DtlsHandshakeResult Client, DtlsHandshakeResult Server)> HandshakeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var server = Server.HandshakeAsync(timeout.Token);
        var client = Client.HandshakeAsync(timeout.Token);
        return (await client, await server);
    }

    private void Send(Channel<byte[]> link, ReadOnlySpan<byte> datagram, Func<int, bool>? drop)
    {
        var n = Interlocked.Increment(ref _sent);
        if (drop?.Invoke(n) != true)
        {
            link.Writer.TryWrite(datagram.ToArray());
        }
    }

    private async Task Pump(Channel<byte[]> link, DtlsSession target)
    {
        try
        {
            await foreach (var d in link.Reader.ReadAllAsync(_stop.Token))
            {
                target.ProcessDatagram(d);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Server.Dispose();
        await _stop.CancelAsync();
        await _pumps;
        _stop.Dispose();
    }
}
