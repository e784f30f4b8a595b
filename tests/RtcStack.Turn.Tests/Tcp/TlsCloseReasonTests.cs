using System.Net.Security;
using System.Net.Sockets;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TLS client (not a data connection) whose record of unframeable bytes and a record that does not decrypt arrive in
/// one wake-up of the poller thread: the connection is closed for the first of them, and that is the reason logged
/// (the TLS failure behind it used to replace it). Real sockets on 127.0.0.1; the poll runs on the test's thread.
/// </summary>
public sealed class TlsCloseReasonTests : IAsyncLifetime
{
    private readonly CapturedLog _log = new();
    private ManualPollRig? _rig;

    public async Task InitializeAsync() => _rig = await ManualPollRig.CreateAsync("rtcstack-turn-closereason", _log);

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unframeable_data_then_a_bad_record_in_one_read_logs_unframeable_data()
    {
        if (_rig is null)
        {
            return;
        }
        (TcpClient tcp, SslStream tls, CorkedStream cork) = await _rig.WhilePumpingAsync(async () =>
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(_rig.Server.TlsEndPoints[0]);
            var corked = new CorkedStream(client.GetStream());
            var stream = new SslStream(corked, false, (_, _, _, _) => true);
            await stream.AuthenticateAsClientAsync("localhost").WaitAsync(ManualPollRig.Patience);
            return (client, stream, corked);
        });
        using (tcp)
        await using (tls)
        {
            cork.Corked = true;
            tls.Write([0xC0, 0, 0, 0, 1, 2, 3, 4]); // neither STUN nor ChannelData, in a record of its own
            byte[] bad = new byte[5 + 64];
            Random.Shared.NextBytes(bad);
            (bad[0], bad[1], bad[2], bad[3], bad[4]) = (0x17, 3, 3, 0, 64); // application data that does not decrypt
            cork.Write(bad);
            cork.Corked = false;
            cork.Flush(); // one write: one wake-up reads both

            string? closed = null;
            var deadline = DateTime.UtcNow + ManualPollRig.Patience;
            while (closed is null && DateTime.UtcNow < deadline)
            {
                _ = _rig.PollOnce();
                closed = _log.Messages.FirstOrDefault(m => m.Contains(" closed: ", StringComparison.Ordinal));
            }
            Assert.NotNull(closed);
            Assert.EndsWith(" closed: unframeable data", closed, StringComparison.Ordinal);
        }
    }
}
