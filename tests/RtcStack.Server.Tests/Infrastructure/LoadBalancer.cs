using System.Net;
using System.Net.Sockets;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder on a free loopback port standing in for a load balancer without sticky sessions: each new
/// connection goes to the backend <see cref="Target"/> points at when it is accepted. It can also hold traffic
/// (<see cref="Holding"/>): a backend behind it (e.g. a redis-server) is then slow, not lost.
/// </summary>
internal sealed class LoadBalancer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accept;
    private volatile bool _holding;

    public LoadBalancer(Uri target)
    {
        Target = target;
        _listener.Start();
        _accept = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The backend new connections go to (e.g. a node's base address).</summary>
    public Uri Target { get; set; }

    /// <summary>While true, new connections are closed at once (a network outage for clients behind it).</summary>
    public bool Paused { get; set; }

    /// <summary>
    /// While true, bytes received in either direction are kept (not forwarded, the connections stay open); they are
    /// forwarded in order once it is false again.
    /// </summary>
    public bool Holding
    {
        get => _holding;
        set => _holding = value;
    }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/ws");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }
        }

        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Closes every forwarded connection now (with <see cref="Paused"/>: a network cut for whoever is behind it).</summary>
    public void DropAll()
    {
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (Paused)
            {
                inbound.Dispose();
                continue;
            }

            var target = Target;
            _ = Task.Run(() => ForwardAsync(inbound, target));
        }
    }

    private async Task ForwardAsync(TcpClient inbound, Uri target)
    {
        var outbound = new TcpClient();
        lock (_open)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(target.Host, target.Port, _stop.Token);
            using var a = inbound.GetStream();
            using var b = outbound.GetStream();
            await Task.WhenAny(CopyAsync(a, b), CopyAsync(b, a));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side went away; close both.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to)
    {
        byte[] buffer = new byte[81920]; // Stream.CopyToAsync's
        int n;
        while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            while (_holding)
            {
                await Task.Delay(20, _stop.Token);
            }
            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }
}
