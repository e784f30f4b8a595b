using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using RtcStack.Signaling.Backplane.Redis;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The Redis backplane needs Redis 6.2 or later: a too-old server fails the start when it is reachable then, and
/// when it is first reached later (Redis was down at start) it is logged as an error and the node is not ready.
/// The old server is a minimal RESP responder on 127.0.0.1 that reports version 6.0.0.
/// </summary>
public sealed class RedisVersionCheckTests
{
    [Fact]
    public async Task A_too_old_redis_reachable_at_start_fails_the_start()
    {
        using var old = new OldRedis();
        old.Start();
        await using var h = new Infrastructure.HubHarness(backplane: new RedisBackplane(new RedisBackplaneOptions { ConnectionString = $"127.0.0.1:{old.Port}" }));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);
        Assert.Contains("6.2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_too_old_redis_first_reached_after_the_start_is_logged_and_the_node_is_not_ready()
    {
        using var old = new OldRedis();
        var logger = new CapturingLogger();
        var backplane = new RedisBackplane(
            new RedisBackplaneOptions { ConnectionString = $"127.0.0.1:{old.Port}", ReconnectInterval = TimeSpan.FromMilliseconds(200) }, logger);
        await using var h = new Infrastructure.HubHarness(backplane: backplane);
        await h.StartAsync(); // nothing listens yet
        old.Start();
        for (int i = 0; i < 2400 && !logger.Events.Contains(2115); i++)
        {
            await Task.Delay(25);
        }
        Assert.Contains(2115, logger.Events);
        Assert.False(backplane.IsHealthy);
    }

    private sealed class CapturingLogger : ILogger<RedisBackplane>
    {
        public ConcurrentBag<int> Events { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Add(eventId.Id);
    }

    /// <summary>Answers the commands of StackExchange.Redis's handshake as a Redis 6.0.0 master would.</summary>
    private sealed class OldRedis : IDisposable
    {
        private readonly Socket _reserved = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();
        private TcpListener? _listener;

        public OldRedis()
        {
            // The port is picked now and listened on only by Start (a refused connect until then).
            _reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)_reserved.LocalEndPoint!).Port;
        }

        public int Port { get; }

        public void Start()
        {
            _reserved.Dispose();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptAsync(_listener);
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client = await listener.AcceptTcpClientAsync(_stop.Token);
                    _ = ServeAsync(client);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    Stream stream = client.GetStream();
                    while (await ReadCommandAsync(stream) is { } command)
                    {
                        await stream.WriteAsync(Reply(command), _stop.Token);
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or FormatException)
                {
                }
            }
        }

        /// <summary>One command (an array of bulk strings), or null at the end of the stream.</summary>
        private static async Task<List<byte[]>?> ReadCommandAsync(Stream stream)
        {
            string? header = await ReadLineAsync(stream);
            if (header is null || !header.StartsWith('*'))
            {
                return null;
            }
            var parts = new List<byte[]>();
            for (int i = int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture); i > 0; i--)
            {
                string length = await ReadLineAsync(stream) ?? throw new IOException("ended");
                byte[] part = new byte[int.Parse(length.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) + 2];
                await stream.ReadExactlyAsync(part);
                parts.Add(part[..^2]);
            }
            return parts;
        }

        private static async Task<string?> ReadLineAsync(Stream stream)
        {
            var line = new StringBuilder();
            byte[] one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one) == 0)
                {
                    return null;
                }
                if (one[0] == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }
                line.Append((char)one[0]);
            }
        }

        private static byte[] Reply(List<byte[]> command)
        {
            string name = command.Count > 0 ? Encoding.ASCII.GetString(command[0]).ToUpperInvariant() : "";
            switch (name)
            {
                case "INFO":
                    return Bulk(Encoding.ASCII.GetBytes("# Server\r\nredis_version:6.0.0\r\nredis_mode:standalone\r\n# Replication\r\nrole:master\r\n"));
                case "PING":
                    return "+PONG\r\n"u8.ToArray();
                case "ECHO":
                    return Bulk(command[1]);
                case "GET":
                    return "$-1\r\n"u8.ToArray();
                case "CONFIG":
                    return "*0\r\n"u8.ToArray();
                case "CLIENT" when command.Count > 1 && Encoding.ASCII.GetString(command[1]).Equals("ID", StringComparison.OrdinalIgnoreCase):
                    return ":7\r\n"u8.ToArray();
                case "CLUSTER":
                case "SENTINEL":
                case "HELLO":
                    return "-ERR unknown command\r\n"u8.ToArray();
                case "SUBSCRIBE":
                    return [.. Encoding.ASCII.GetBytes("*3\r\n"), .. Bulk("subscribe"u8.ToArray()), .. Bulk(command[1]), .. ":1\r\n"u8];
                default:
                    return "+OK\r\n"u8.ToArray();
            }
        }

        private static byte[] Bulk(byte[] value) =>
            [.. Encoding.ASCII.GetBytes($"${value.Length}\r\n"), .. value, .. "\r\n"u8];

        public void Dispose()
        {
            _stop.Cancel();
            _listener?.Stop();
            _reserved.Dispose();
            _stop.Dispose();
        }
    }
}
