using System.Net;
using System.Net.Sockets;
using System.Text;
using RtcStack.Stun;

namespace RtcStack.Ice.Tests;

/// <summary>A browser-like controlling agent on a loopback UDP socket.</summary>
internal sealed class IceTestClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;

    public IceTestClient(IPEndPoint server)
    {
        _server = server;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 30_000;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public static byte[] BindingRequest(string username, string? password, bool useCandidate = false, bool fingerprint = true)
    {
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddUsername(username.AsSpan());
        writer.AddPriority(1853824767);
        writer.AddIceControlling(42);
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }
        if (password is not null)
        {
            writer.AddMessageIntegrity(Encoding.UTF8.GetBytes(password));
        }
        if (fingerprint)
        {
            writer.AddFingerprint();
        }
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    public void Send(byte[] datagram) => _socket.SendTo(datagram, _server);

    /// <summary>Waits for one datagram (30 s), or returns null on timeout.</summary>
    public byte[]? Receive(int timeoutMs = 30_000)
    {
        var buffer = new byte[2048];
        _socket.ReceiveTimeout = timeoutMs;
        try
        {
            var n = _socket.Receive(buffer);
            return buffer[..n];
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return null;
        }
    }

    /// <summary>Sends a check and returns the response (or null).</summary>
    public byte[]? Check(string username, string? password, bool useCandidate = false, bool fingerprint = true, int timeoutMs = 30_000)
    {
        Send(BindingRequest(username, password, useCandidate, fingerprint));
        return Receive(timeoutMs);
    }

    public void Dispose() => _socket.Dispose();
}
