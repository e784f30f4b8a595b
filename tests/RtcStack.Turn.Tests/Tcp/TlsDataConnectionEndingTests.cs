using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// An RFC 6062 data connection over TLS whose ConnectionBind, application data, and then a close_notify or a bad record
/// (one that does not decrypt, or a header that is not TLS) all arrive in one wake-up of the poller thread: the bytes
/// after the ConnectionBind reach the peer whole and in order, and the end the client sent is not lost when the
/// connection leaves the poller for the data relay: after a close_notify the peer gets the end of the stream, after a
/// bad record the data first, then the pair closes. Real sockets on 127.0.0.1.
/// </summary>
public sealed class TlsDataConnectionEndingTests : IAsyncLifetime
{
    private ManualPollRig? _rig;

    public async Task InitializeAsync() => _rig = await ManualPollRig.CreateAsync("rtcstack-turn-dataending");

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    public enum Ending
    {
        CloseNotify,
        RecordThatDoesNotDecrypt,
        HeaderThatIsNotTls,
    }

    [Theory]
    [InlineData(Ending.CloseNotify)]
    [InlineData(Ending.RecordThatDoesNotDecrypt)]
    [InlineData(Ending.HeaderThatIsNotTls)]
    public async Task Data_after_the_ConnectionBind_reaches_the_peer_then_the_end_the_client_sent(Ending end)
    {
        if (_rig is null)
        {
            return;
        }
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient control = await TcpTurnClient.ConnectAsync(_rig.Server.TcpEndPoints[0]);
        (TcpClient tcp, SslStream data, _, uint id) = await ConnectDataAsync(_rig, control, peer);
        using (tcp)
        await using (data)
        {
            Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, ManualPollRig.Patience), "the peer was not connected");
            using (accepted)
            {
                byte[] first = new byte[3000];
                byte[] second = new byte[700];
                Random.Shared.NextBytes(first);
                Random.Shared.NextBytes(second);
                data.Write(control.Credentials.Build(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.AddConnectionId(id)));
                data.Write(first); // records of their own behind the ConnectionBind's
                data.Write(second);
                data.Flush();
                if (end != Ending.CloseNotify)
                {
                    tcp.GetStream().Write(BadRecord(end));
                }
                else
                {
                    await data.ShutdownAsync(); // close_notify; the client keeps its socket open
                }

                byte[] sent = [.. first, .. second];
                var got = new MemoryStream();
                Task<bool> ending = ReadToEndAsync(accepted.GetStream(), got);
                var deadline = DateTime.UtcNow + ManualPollRig.Patience;
                while (!ending.IsCompleted && DateTime.UtcNow < deadline)
                {
                    _ = _rig.PollOnce(); // the first wake-up takes it all; the relay then runs on .NET's sockets
                }
                Assert.True(await ending.WaitAsync(ManualPollRig.Patience), "the peer never saw the end the client sent");
                Assert.Equal(sent, got.ToArray()); // a bad record behind the data loses none of it
                accepted.Client.Shutdown(SocketShutdown.Send); // the peer ends its side too: the pair is gone
                Assert.True(await ClientEndsAsync(data), "the client's data connection stayed open");
            }
        }
    }

    /// <summary>
    /// Once the data relay runs on .NET's sockets (the first bytes went through), records and then a bad record or a
    /// close_notify that arrive in one read: every byte reaches the peer in order (the records of one read gathered into
    /// few writes), then the end: the pair closes after a bad record (SslStream decrypts every whole record it holds and
    /// throws at a bad one, so it is handed one record at a time), the peer's stream ends after a close_notify.
    /// </summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(60, true)]
    [InlineData(60, false)]
    public async Task Records_in_one_read_while_relaying_reach_the_peer_whole_then_the_end(int records, bool badRecord)
    {
        if (_rig is null)
        {
            return;
        }
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient control = await TcpTurnClient.ConnectAsync(_rig.Server.TcpEndPoints[0]);
        (TcpClient tcp, SslStream data, CorkedStream cork, uint id) = await ConnectDataAsync(_rig, control, peer);
        using (tcp)
        await using (data)
        {
            Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, ManualPollRig.Patience), "the peer was not connected");
            using (accepted)
            {
                data.Write(control.Credentials.Build(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.AddConnectionId(id)));
                byte[] first = [1, 2, 3];
                data.Write(first);
                NetworkStream fromRelay = accepted.GetStream();
                byte[] got = new byte[first.Length];
                Task reading = fromRelay.ReadExactlyAsync(got).AsTask();
                var deadline = DateTime.UtcNow + ManualPollRig.Patience;
                while (!reading.IsCompleted && DateTime.UtcNow < deadline)
                {
                    _ = _rig.PollOnce(); // the ConnectionBind's wake-up; the relay then runs on .NET's sockets
                }
                await reading.WaitAsync(ManualPollRig.Patience);
                Assert.Equal(first, got);

                var sent = new MemoryStream();
                cork.Corked = true;
                for (int i = 0; i < records; i++)
                {
                    byte[] chunk = new byte[1 + (i * 397 % 1400)];
                    Random.Shared.NextBytes(chunk);
                    data.Write(chunk); // a record each, held
                    sent.Write(chunk);
                }
                if (badRecord)
                {
                    cork.Write(BadRecord(Ending.RecordThatDoesNotDecrypt));
                }
                else
                {
                    await data.ShutdownAsync(); // close_notify, held too
                }
                cork.Corked = false;
                cork.Flush(); // one write: the server's next read has them all

                var rest = new MemoryStream();
                Assert.True(await ReadToEndAsync(fromRelay, rest), "the peer never saw the end");
                Assert.Equal(sent.ToArray(), rest.ToArray());
                if (!badRecord)
                {
                    accepted.Client.Shutdown(SocketShutdown.Send); // the peer ends its side too: the pair is gone
                }
                Assert.True(await ClientEndsAsync(data), "the client's data connection stayed open");
            }
        }
    }

    /// <summary>A client that connected the peer and opened a TLS data connection (not yet bound), while the rig pumps.</summary>
    private static Task<(TcpClient Tcp, SslStream Data, CorkedStream Cork, uint Id)> ConnectDataAsync(
        ManualPollRig rig, TcpTurnClient control, TcpEchoPeer peer) => rig.WhilePumpingAsync(async () =>
    {
        Assert.Equal(0, Answer.ErrorCode(await control.AllocateAsync()));
        byte[] connected = await control.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(rig.Server.TlsEndPoints[0]);
        var cork = new CorkedStream(tcp.GetStream());
        var data = new SslStream(cork, false, (_, _, _, _) => true);
        await data.AuthenticateAsClientAsync("localhost").WaitAsync(ManualPollRig.Patience);
        return (tcp, data, cork, TcpTurnClient.ConnectionId(connected));
    });

    /// <summary>69 bytes: application data that does not decrypt, or a record whose type TLS does not have.</summary>
    private static byte[] BadRecord(Ending end)
    {
        byte[] bad = new byte[5 + 64];
        Random.Shared.NextBytes(bad);
        (bad[0], bad[1], bad[2], bad[3], bad[4]) = (end == Ending.RecordThatDoesNotDecrypt ? (byte)0x17 : (byte)0x99, 3, 3, 0, 64);
        return bad;
    }

    /// <summary>Copies <paramref name="from"/> into <paramref name="into"/> until it ends (end of stream or reset): true; false after the patience.</summary>
    private static async Task<bool> ReadToEndAsync(NetworkStream from, MemoryStream into)
    {
        using var timeout = new CancellationTokenSource(ManualPollRig.Patience);
        byte[] buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, timeout.Token)) > 0)
            {
                into.Write(buffer, 0, n);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<bool> ClientEndsAsync(Stream data)
    {
        try
        {
            return await TcpTurnClient.EndsAsync(data);
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }
}
