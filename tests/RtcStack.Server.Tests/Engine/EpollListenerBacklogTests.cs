using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// A connection already waiting in the backlog when an <see cref="EpollListener"/> is created is handled with the
/// listener's TLS flag (a constructor argument, set before the accept loop starts): on a TLS endpoint its plain-text
/// <c>GET /ws</c> goes to Kestrel with every byte unread, never upgraded; on a plain endpoint the engine answers 101.
/// </summary>
public sealed class EpollListenerBacklogTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(EngineSettings.Epoll);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backlogged_plain_text_upgrade_follows_the_listeners_tls_flag(bool tls)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        EpollListener? listener = null;
        using var contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), NullLogger.Instance);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listen.Listen(16);
            await client.ConnectAsync(listen.LocalEndPoint!, cts.Token); // in the backlog before the listener exists
            byte[] upgrade = Encoding.ASCII.GetBytes(RawHttp.Upgrade());
            await client.SendAsync(upgrade, SocketFlags.None, cts.Token);
            listener = new EpollListener(listen, tls, _node.Services.GetRequiredService<EpollEngine>(), gate: null, contexts, NullLogger.Instance);
            if (tls)
            {
                ConnectionContext? handedOff = await listener.AcceptAsync(cts.Token);
                Assert.NotNull(handedOff);
                await using (handedOff)
                {
                    string bytes = await ReadAtLeastAsync(handedOff, upgrade.Length, cts.Token);
                    Assert.Equal(RawHttp.Upgrade(), bytes); // Kestrel gets the whole head: nothing was consumed or answered
                }
            }
            else
            {
                string head = await ReadHeadAsync(client, cts.Token);
                Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
            }
        }
        finally
        {
            if (listener is null)
            {
                listen.Dispose();
            }
            else
            {
                await listener.DisposeAsync(); // disposes the listen socket
            }
        }
    }

    private static async Task<string> ReadAtLeastAsync(ConnectionContext connection, int length, CancellationToken cancellationToken)
    {
        while (true)
        {
            System.IO.Pipelines.ReadResult result = await connection.Transport.Input.ReadAsync(cancellationToken);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                string text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                return text;
            }
            connection.Transport.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            Assert.True(n > 0, "closed before the answer: " + head);
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return head.ToString();
    }
}
