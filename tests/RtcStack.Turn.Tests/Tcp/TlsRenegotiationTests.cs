using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Tests.Interop;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// TLS 1.2 clients the server does not serve further: one that asks for a renegotiation (OpenSSL's s_client, command R)
/// and one that sends an alert record in the clear after the handshake. Each is disconnected, and the thread that read
/// it goes on serving another client. <see cref="TlsRenegotiationAsyncTests"/> runs them on the asynchronous fallback.
/// </summary>
public class TlsRenegotiationTests : TlsServerTests
{
    [Fact]
    public async Task A_tls12_client_asking_for_renegotiation_is_disconnected_and_others_are_still_served()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "openssl is missing (test.sh installs it)");
        await using SslStream other = await ConnectAsync();
        int port = Server.TlsEndPoints[0].Port;
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/bin/openssl", $"s_client -connect 127.0.0.1:{port} -tls1_2 -servername localhost")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.Start();
        var output = new System.Text.StringBuilder();
        void Collect(object? sender, DataReceivedEventArgs e)
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.True(await WaitUntilAsync(() => Contains(output, "Verify return code")), "no handshake");
            await process.StandardInput.WriteAsync("R\n");
            await process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(Patience);
            await process.WaitForExitAsync(timeout.Token); // s_client ends when the server ends the connection
            Assert.True(Contains(output, "RENEGOTIATING"), "s_client did not renegotiate");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
        await AnswersAsync(other);
    }

    [Fact]
    public async Task An_alert_record_in_the_clear_after_the_handshake_closes_the_connection_and_others_are_still_served()
    {
        await using SslStream other = await ConnectAsync();
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.TlsEndPoints[0]);
        NetworkStream raw = tcp.GetStream();
        await using var tls = new SslStream(raw, true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12,
        }).WaitAsync(Patience);
        await AnswersAsync(tls);

        await raw.WriteAsync(new byte[] { 21, 3, 3, 0, 2, 2, 40 }); // fatal handshake_failure, not encrypted: it fails the record's MAC
        Assert.True(await TcpTurnClient.EndsAsync(raw), "the connection stayed open");
        await AnswersAsync(other);
    }

    private async Task<SslStream> ConnectAsync()
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.TlsEndPoints[0]);
        var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
        return tls;
    }

    private static async Task AnswersAsync(Stream tls)
    {
        byte[] request = new TestClient().Build(StunMethod.Binding, sign: false);
        await tls.WriteAsync(request);
        byte[] response = await TcpTurnClient.ReadMessageAsync(tls);
        Assert.Equal(0x0101, (response[0] << 8) | response[1]); // Binding success
        Assert.Equal(request[8..20], response[8..20]);
    }

    private static bool Contains(System.Text.StringBuilder text, string word)
    {
        lock (text)
        {
            return text.ToString().Contains(word, StringComparison.Ordinal);
        }
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }
}
