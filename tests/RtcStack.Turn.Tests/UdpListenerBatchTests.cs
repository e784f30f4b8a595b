using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests;

/// <summary>
/// The batched UDP listener answers the requests of one receive batch with one sendmmsg (answers are copied out of
/// the scratch buffer the next request reuses): on real sockets, a burst from many clients must get every answer,
/// intact, to its own sender.
/// </summary>
public sealed class UdpListenerBatchTests
{
    [Fact]
    public async Task A_burst_of_requests_from_many_clients_gets_each_answer_to_its_sender()
    {
        await using var h = new TestHarness();
        IPEndPoint server = h.Server.UdpEndPoints[0];
        const int Clients = 48;
        var sockets = new Socket[Clients];
        var ids = new TransactionId[Clients];
        try
        {
            byte[] request = new byte[256];
            for (int i = 0; i < Clients; i++)
            {
                sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 20_000 };
                sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
            for (int round = 0; round < 2; round++)
            {
                for (int i = 0; i < Clients; i++)
                {
                    // Even clients: Binding; odd clients: an unauthenticated Allocate (answered with a 401 and a nonce).
                    bool binding = i % 2 == 0;
                    ids[i] = TransactionId.NewRandom();
                    var writer = new StunMessageWriter(request, new StunMessageType(binding ? StunMethod.Binding : StunMethod.Allocate, StunClass.Request), ids[i]);
                    if (!binding)
                    {
                        writer.AddRequestedTransport(17);
                    }
                    writer.AddFingerprint();
                    Assert.True(writer.TryComplete(out int length));
                    sockets[i].SendTo(request.AsSpan(0, length), SocketFlags.None, server);
                }
                byte[] answer = new byte[2048];
                for (int i = 0; i < Clients; i++)
                {
                    int n = sockets[i].Receive(answer);
                    Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(answer.AsSpan(0, n), out StunMessageReader reader));
                    Assert.Equal(ids[i], reader.TransactionId);
                    Assert.True(reader.VerifyFingerprint());
                    if (i % 2 == 0)
                    {
                        Assert.Equal(StunClass.SuccessResponse, reader.Class);
                        Assert.True(reader.TryGetXorMappedAddress(out TransportAddress mapped));
                        Assert.Equal(((IPEndPoint)sockets[i].LocalEndPoint!).Port, mapped.Port);
                    }
                    else
                    {
                        Assert.True(reader.TryGetErrorCode(out int code, out _));
                        Assert.Equal(401, code);
                        Assert.True(reader.TryGetNonce(out ReadOnlySpan<byte> nonce) && !nonce.IsEmpty);
                    }
                    Assert.Equal(0, sockets[i].Available); // exactly one answer each
                }
            }
        }
        finally
        {
            foreach (Socket? socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }
}
