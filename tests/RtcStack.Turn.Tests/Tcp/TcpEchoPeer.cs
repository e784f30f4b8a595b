using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>A TCP peer on 127.0.0.1 that echoes every connection it accepts (or only holds it, when not echoing).</summary>
internal sealed class TcpEchoPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly bool _echo;

    internal TcpEchoPeer(bool echo = true)
    {
        _echo = echo;
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    internal IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Accepted connections, in order.</summary>
    internal BlockingCollection<TcpClient> Accepted { get; } = [];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            client.NoDelay = true;
            Accepted.Add(client);
            if (_echo)
            {
                _ = Task.Run(() => EchoAsync(client));
            }
        }
    }

    private static async Task EchoAsync(TcpClient client)
    {
        byte[] buffer = new byte[8192];
        try
        {
            NetworkStream stream = client.GetStream();
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The relay closed the connection.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        foreach (TcpClient c in Accepted)
        {
            c.Dispose();
        }
        _stop.Dispose();
    }
}
