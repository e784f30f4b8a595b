using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using RtcStack.Stun;
using RtcStack.Turn.Tests.Interop;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// TLS clients read on the server's own epoll thread (StreamPoller/StreamPollReader): records cut anywhere by TCP, many
/// frames in one record and one frame over several records, a KeyUpdate from OpenSSL's s_client, close_notify, and
/// bytes that are not TLS records after the handshake. Real sockets on 127.0.0.1, generous timeouts only.
/// <see cref="TlsAsyncReadTests"/> runs the same tests on the asynchronous fallback.
/// </summary>
public class TlsPolledReadTests : TlsServerTests
{
    [Fact]
    public async Task Records_cut_anywhere_and_frames_across_records_are_all_answered_in_order()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.TlsEndPoints[0]);
        var trickle = new TrickleStream(tcp.GetStream());
        await using var tls = new SslStream(trickle, false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
        trickle.Trickle = true; // from here on ciphertext leaves in 1-7 byte writes: records arrive cut at any byte

        var client = new TestClient();
        var expected = new List<byte[]>();
        byte[] Request()
        {
            byte[] request = client.Build(StunMethod.Binding, sign: false);
            expected.Add(request.AsSpan(8, 12).ToArray());
            return request;
        }
        for (int i = 0; i < 20; i++)
        {
            await tls.WriteAsync(Request()); // one frame per record
        }
        byte[] many = [.. Request(), .. Request(), .. Request(), .. Request()];
        await tls.WriteAsync(many); // four frames in one record
        byte[] split = Request();
        await tls.WriteAsync(split.AsMemory(0, 7)); // one frame over three records
        await tls.WriteAsync(split.AsMemory(7, 5));
        await tls.WriteAsync(split.AsMemory(12));
        await tls.FlushAsync();

        foreach (byte[] id in expected)
        {
            byte[] response = await TcpTurnClient.ReadMessageAsync(tls);
            Assert.Equal(0x0101, (response[0] << 8) | response[1]); // Binding success
            Assert.Equal(id, response[8..20]);
        }
    }

    [Fact]
    public async Task Close_notify_from_the_client_closes_the_connection()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.TlsEndPoints[0]);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
        await tls.WriteAsync(new TestClient().Build(StunMethod.Binding, sign: false));
        _ = await TcpTurnClient.ReadMessageAsync(tls);

        await tls.ShutdownAsync();
        Assert.True(await ClosedAsync(tls), "the connection stayed open");
    }

    [Fact]
    public async Task Bytes_that_are_not_tls_records_after_the_handshake_close_the_connection()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Server.TlsEndPoints[0]);
        NetworkStream raw = tcp.GetStream();
        await using var tls = new SslStream(raw, true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost").WaitAsync(Patience);
        await tls.WriteAsync(new TestClient().Build(StunMethod.Binding, sign: false));
        _ = await TcpTurnClient.ReadMessageAsync(tls);

        await raw.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray()); // under the TLS layer
        Assert.True(await ClosedAsync(tls), "the connection stayed open");
    }

    [Fact]
    public async Task KeyUpdate_from_openssl_s_client_keeps_the_connection_answering()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "openssl is missing (test.sh installs it)");
        int port = Server.TlsEndPoints[0].Port;
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/bin/openssl", $"s_client -connect 127.0.0.1:{port} -tls1_3 -servername localhost")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.Start();
        var output = new OutputCollector(process.StandardOutput.BaseStream);
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            Stream stdin = process.StandardInput.BaseStream;
            Assert.True(await output.WaitForAsync("Verify return code"u8.ToArray(), Patience), "no handshake");
            await RoundTripAsync(stdin, output, 1);
            int updates = 0;
            foreach (string command in new[] { "K\n", "k\n", "K\n" }) // key update requested, not requested, requested
            {
                await stdin.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command));
                await stdin.FlushAsync();
                updates++;
                // s_client takes each stdin read as one command or one write: send the next request only once it has
                // taken this one as a command (it prints KEYUPDATE), so that the two are never read together.
                Assert.True(await WaitUntilAsync(() =>
                {
                    lock (errors)
                    {
                        return CountOf(errors.ToString(), "KEYUPDATE") >= updates;
                    }
                }), "s_client did not take the key update command");
                await RoundTripAsync(stdin, output, command[0] == 'K' ? (byte)2 : (byte)3);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            await process.WaitForExitAsync();
        }
    }

    private static int CountOf(string text, string word)
    {
        int count = 0;
        for (int i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
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

    private static async Task RoundTripAsync(Stream stdin, OutputCollector output, byte tag)
    {
        // A Binding request without attributes; its transaction ID has no newline and it starts with no s_client command letter.
        byte[] request = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, tag];
        await stdin.WriteAsync(request);
        await stdin.FlushAsync();
        Assert.True(await output.WaitForAsync([0x01, 0x01, .. request[4..20]], Patience, skipLength: true),
            $"no Binding response for request {tag}");
    }

    /// <summary>True when the server ends the connection in time (end of stream, a reset, or a TLS alert).</summary>
    private static async Task<bool> ClosedAsync(Stream stream)
    {
        try
        {
            return await TcpTurnClient.EndsAsync(stream);
        }
        catch (AuthenticationException)
        {
            return true;
        }
    }

    /// <summary>Writes to the socket in 1-7 byte pieces once <see cref="Trickle"/> is set (each its own segment: NoDelay).</summary>
    private sealed class TrickleStream(NetworkStream inner) : Stream
    {
        private int _next;

        internal bool Trickle { get; set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                int n = Trickle ? Math.Min(buffer.Length, 1 + (_next++ % 7)) : buffer.Length;
                await inner.WriteAsync(buffer[..n], cancellationToken);
                buffer = buffer[n..];
                if (Trickle && _next % 5 == 0)
                {
                    await Task.Delay(1, cancellationToken); // let some pieces arrive alone
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Collects a process's binary standard output and waits for a byte pattern in it.</summary>
    private sealed class OutputCollector
    {
        private readonly Lock _lock = new();
        private readonly List<byte> _bytes = [];

        internal OutputCollector(Stream stdout) => _ = Task.Run(async () =>
        {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0)
            {
                lock (_lock)
                {
                    _bytes.AddRange(buffer.AsSpan(0, n));
                }
            }
        });

        /// <summary>
        /// Waits until <paramref name="pattern"/> appears; with <paramref name="skipLength"/> the pattern is a STUN type (2 bytes)
        /// followed by cookie and transaction (16 bytes), and the 2 length bytes between them are not compared.
        /// </summary>
        internal async Task<bool> WaitForAsync(byte[] pattern, TimeSpan timeout, bool skipLength = false)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_lock)
                {
                    byte[] all = [.. _bytes];
                    if (skipLength ? ContainsStun(all, pattern) : all.AsSpan().IndexOf(pattern) >= 0)
                    {
                        return true;
                    }
                }
                await Task.Delay(20);
            }
            return false;
        }

        private static bool ContainsStun(byte[] all, byte[] pattern)
        {
            for (int i = 0; i + 20 <= all.Length; i++)
            {
                if (all[i] == pattern[0] && all[i + 1] == pattern[1] && all.AsSpan(i + 4, 16).SequenceEqual(pattern.AsSpan(2, 16)))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
