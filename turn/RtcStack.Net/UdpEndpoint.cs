using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// One UDP socket with one receive loop. Receiving reuses one pinned buffer and one
/// <see cref="SocketAddress"/>, and sending writes into a per-thread <see cref="SocketAddress"/>, so
/// neither allocates per packet. Socket errors are values (<see cref="SocketError"/>) and counters,
/// never exceptions out of the loop.
/// </summary>
public sealed class UdpEndpoint : IAsyncDisposable
{
    [ThreadStatic]
    private static SocketAddress? t_sendAddressV4;

    [ThreadStatic]
    private static SocketAddress? t_sendAddressV6;

    private readonly Socket _socket;
    private readonly IDatagramHandler _handler;
    private readonly ILogger _logger;
    private readonly UdpEndpointOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _localText;
    private Task _loop = Task.CompletedTask;
    private int _started;
    private long _lastHandlerLog;

    private UdpEndpoint(Socket socket, IDatagramHandler handler, UdpEndpointOptions options, ILogger logger)
    {
        _socket = socket;
        _handler = handler;
        _options = options;
        _logger = logger;
        LocalAddress = TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        _localText = LocalAddress.ToString();
        Counters = NetMetrics.Register("udp");
    }

    /// <summary>The bound local address (with the actual port when bound to port 0).</summary>
    public TransportAddress LocalAddress { get; }

    /// <summary>The underlying socket (for options such as DONT-FRAGMENT or TTL).</summary>
    public Socket Socket => _socket;

    /// <summary>This endpoint's counters.</summary>
    public NetCounters Counters { get; }

    /// <summary>Completes when the receive loop has ended (after <see cref="DisposeAsync"/>).</summary>
    public Task Completion => _loop;

    /// <summary>Binds a new UDP socket to <paramref name="local"/> (port 0 picks a free port). Does not start receiving.</summary>
    /// <exception cref="SocketException">The address cannot be bound (an operator error at start-up).</exception>
    public static UdpEndpoint Bind(IPEndPoint local, IDatagramHandler handler, UdpEndpointOptions? options = null, ILogger<UdpEndpoint>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        options ??= new UdpEndpointOptions();
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (local.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = options.DualMode;
            }

            ApplyBufferSizes(socket, options);
            socket.Bind(local);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new UdpEndpoint(socket, handler, options, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <summary>Wraps an already bound UDP socket (e.g. a relay port chosen from a range); the endpoint owns it.</summary>
    public static UdpEndpoint FromSocket(Socket socket, IDatagramHandler handler, UdpEndpointOptions? options = null, ILogger<UdpEndpoint>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new UdpEndpoint(socket, handler, options ?? new UdpEndpointOptions(), logger ?? (ILogger)NullLogger.Instance);
    }

    /// <summary>Starts the receive loop (once).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = _options.ReceiveOnDedicatedThread ? StartDedicatedThread() : Task.Run(ReceiveLoopAsync);
            NetLog.UdpStarted(_logger, _localText);
        }
    }

    /// <summary>
    /// Sends one datagram, synchronously, without allocating; safe from any thread.
    /// </summary>
    /// <returns><see cref="SocketError.Success"/>, or the error (also counted).</returns>
    public SocketError Send(ReadOnlySpan<byte> datagram, in TransportAddress destination)
    {
        SocketAddress address = SendAddress();
        if (!SocketAddressCodec.TryWrite(destination, address))
        {
            Counters.SendFailed();
            return SocketError.AddressFamilyNotSupported;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, address);
            Counters.Sent(datagram.Length);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            Counters.SendFailed();
            return ex.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            Counters.SendFailed();
            return SocketError.OperationAborted;
        }
    }

    /// <summary>Stops the loop and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        NetMetrics.Retire(Counters);
        NetLog.UdpStopped(_logger, _localText);
    }

    private SocketAddress SendAddress() => _socket.AddressFamily == AddressFamily.InterNetworkV6
        ? t_sendAddressV6 ??= SocketAddressCodec.Create(AddressFamily.InterNetworkV6)
        : t_sendAddressV4 ??= SocketAddressCodec.Create(AddressFamily.InterNetwork);

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(_options.ReceiveBufferSize, pinned: true);
        SocketAddress from = SocketAddressCodec.Create(_socket.AddressFamily);
        CancellationToken token = _stop.Token;
        int consecutiveErrors = 0;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, from, token).ConfigureAwait(false);
                consecutiveErrors = 0;
            }
            catch (SocketException ex)
            {
                Counters.ReceiveFailed();
                if (++consecutiveErrors == 1)
                {
                    NetLog.UdpReceiveError(_logger, _localText, ex.SocketErrorCode);
                }

                if (consecutiveErrors > 10)
                {
                    await DelayQuietly(token).ConfigureAwait(false); // do not spin on a persistent error
                }

                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            Dispatch(buffer.AsSpan(0, received), from);
        }
    }

    private Task StartDedicatedThread()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            ReceiveLoopBlocking();
            done.TrySetResult();
        })
        {
            IsBackground = true,
            Name = $"udp {_localText}",
        };
        thread.Start();
        return done.Task;
    }

    private void ReceiveLoopBlocking()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(_options.ReceiveBufferSize, pinned: true);
        SocketAddress from = SocketAddressCodec.Create(_socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException ex) when (!_stop.IsCancellationRequested)
            {
                Counters.ReceiveFailed();
                NetLog.UdpReceiveError(_logger, _localText, ex.SocketErrorCode);
                Thread.Sleep(1); // do not spin on a persistent error
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            Dispatch(buffer.AsSpan(0, received), from);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        Counters.Received(datagram.Length);
        try
        {
            Counters.Count(_handler.OnDatagram(this, datagram, SocketAddressCodec.Read(from)));
        }
#pragma warning disable CA1031 // nothing a client sends may stop the loop; the failure is counted and logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.HandlerFailed();
            long now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastHandlerLog) > 1000)
            {
                Interlocked.Exchange(ref _lastHandlerLog, now);
                NetLog.HandlerFailed(_logger, ex, _localText);
            }
        }
    }

    private static async Task DelayQuietly(CancellationToken token)
    {
        try
        {
            await Task.Delay(10, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static void ApplyBufferSizes(Socket socket, UdpEndpointOptions options)
    {
        if (options.SocketReceiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = options.SocketReceiveBufferSize;
        }

        if (options.SocketSendBufferSize > 0)
        {
            socket.SendBufferSize = options.SocketSendBufferSize;
        }
    }
}
