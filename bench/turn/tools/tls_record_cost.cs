#:property AllowUnsafeBlocks=true
#:property TreatWarningsAsErrors=false
#:property Nullable=disable
// Server-side user-space cost per TLS record: SslStream (as RtcStack.Turn uses it: one whole record per Read, one
// record per Write into memory) vs OpenSSL directly through memory BIOs (SSL_read / SSL_write / BIO_read).
// The client's records are made beforehand; only the server's decrypt + encrypt of a 100-byte frame is timed, in CPU
// time of the thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so the figure holds on a loaded machine.
// usage: dotnet run -c Release tls_record_cost.cs -- CERT KEY [records] [payload] [tls12|tls13]
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

string certFile = args[0], keyFile = args[1];
int n = args.Length > 2 ? int.Parse(args[2]) : 200_000;
int payload = args.Length > 3 ? int.Parse(args[3]) : 100;
bool tls12 = args.Length > 4 && args[4] == "tls12";
int reps = 5;
for (int r = 0; r < reps; r++)
{
    double a = SslStreamCase.Run(certFile, keyFile, n, payload, tls12, out long allocA);
    double b = OpenSslCase.Run(certFile, keyFile, n, payload, tls12, out long allocB);
    Console.WriteLine($"rep {r}: SslStream {a:F3} us/record ({allocA / (double)n:F1} B/record)   OpenSSL direct {b:F3} us/record ({allocB / (double)n:F1} B/record)   ratio {b / a:F2}");
}

/// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), so other processes' load does not count.</summary>
static unsafe class ThreadCpu
{
    [DllImport("libc")] static extern int clock_gettime(int clock, long* ts);
    public static long Nanoseconds()
    {
        long* ts = stackalloc long[2];
        clock_gettime(3, ts);
        return ts[0] * 1_000_000_000 + ts[1];
    }
}

static class SslStreamCase
{
    public static double Run(string certFile, string keyFile, int n, int payload, bool tls12, out long alloc)
    {
        var cert = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        cert = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        using var serverSock = listener.AcceptTcpClient();
        var cs = new SwitchStream(client.GetStream());
        var ss = new SwitchStream(serverSock.GetStream());
        var ctls = new SslStream(cs, false, (_, _, _, _) => true);
        var stls = new SslStream(ss, false);
        var protocols = tls12 ? SslProtocols.Tls12 : SslProtocols.Tls13;
        var t = stls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = cert, EnabledSslProtocols = protocols });
        ctls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocols });
        t.GetAwaiter().GetResult();
        // Records from here on go to memory.
        cs.Capture = new MemoryStream();
        ss.Capture = new MemoryStream();
        byte[] frame = new byte[payload];
        for (int i = 0; i < n; i++) ctls.Write(frame);
        byte[] cipher = ((MemoryStream)cs.Capture).ToArray();
        int recordLen = cipher.Length / n;
        ss.Source = cipher;
        ss.RecordLength = recordLen;
        byte[] plain = new byte[16384];
        var sink = new DiscardStream();
        ss.Capture = sink;
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        long t0 = ThreadCpu.Nanoseconds();
        for (int i = 0; i < n; i++)
        {
            int got = stls.Read(plain, 0, plain.Length);
            if (got != payload) throw new InvalidOperationException("read " + got);
            stls.Write(plain, 0, got);
        }
        long t1 = ThreadCpu.Nanoseconds();
        alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
        return (t1 - t0) / 1000.0 / n;
    }
}

sealed class DiscardStream : MemoryStream
{
    public override void Write(ReadOnlySpan<byte> buffer) { }
    public override void Write(byte[] buffer, int offset, int count) { }
}

/// <summary>Socket during the handshake; afterwards reads one record at a time from Source and writes to Capture.</summary>
sealed class SwitchStream(Stream inner) : Stream
{
    public Stream Capture;
    public byte[] Source;
    public int RecordLength;
    private int _pos;
    private int _recordLeft;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => 0; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
    public override void SetLength(long v) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        if (Source is null) return inner.Read(buffer);
        if (buffer.Length == 0) return 0;
        if (_recordLeft == 0) _recordLeft = RecordLength;
        int c = Math.Min(buffer.Length, _recordLeft);
        Source.AsSpan(_pos, c).CopyTo(buffer);
        _pos += c;
        _recordLeft -= c;
        return c;
    }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        => Source is null ? inner.ReadAsync(buffer, ct) : new ValueTask<int>(Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] b, int o, int c, CancellationToken ct) => ReadAsync(b.AsMemory(o, c), ct).AsTask();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Capture is null) inner.Write(buffer); else Capture.Write(buffer);
    }
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (Capture is null) return inner.WriteAsync(buffer, ct);
        Capture.Write(buffer.Span);
        return default;
    }
    public override Task WriteAsync(byte[] b, int o, int c, CancellationToken ct) => WriteAsync(b.AsMemory(o, c), ct).AsTask();
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
}

static unsafe class OpenSslCase
{
    const string Ssl = "libssl.so.3";
    const string Crypto = "libcrypto.so.3";
    [DllImport(Ssl)] static extern IntPtr TLS_server_method();
    [DllImport(Ssl)] static extern IntPtr TLS_client_method();
    [DllImport(Ssl)] static extern IntPtr SSL_CTX_new(IntPtr method);
    [DllImport(Ssl)] static extern void SSL_CTX_free(IntPtr ctx);
    [DllImport(Ssl)] static extern long SSL_CTX_ctrl(IntPtr ctx, int cmd, long larg, IntPtr parg);
    [DllImport(Ssl)] static extern int SSL_CTX_use_certificate_chain_file(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string file);
    [DllImport(Ssl)] static extern int SSL_CTX_use_PrivateKey_file(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string file, int type);
    [DllImport(Ssl)] static extern IntPtr SSL_new(IntPtr ctx);
    [DllImport(Ssl)] static extern void SSL_free(IntPtr ssl);
    [DllImport(Ssl)] static extern void SSL_set_bio(IntPtr ssl, IntPtr rbio, IntPtr wbio);
    [DllImport(Ssl)] static extern void SSL_set_accept_state(IntPtr ssl);
    [DllImport(Ssl)] static extern void SSL_set_connect_state(IntPtr ssl);
    [DllImport(Ssl)] static extern int SSL_do_handshake(IntPtr ssl);
    [DllImport(Ssl)] static extern int SSL_read(IntPtr ssl, byte* buf, int num);
    [DllImport(Ssl)] static extern int SSL_write(IntPtr ssl, byte* buf, int num);
    [DllImport(Ssl)] static extern int SSL_get_error(IntPtr ssl, int ret);
    [DllImport(Crypto)] static extern IntPtr BIO_s_mem();
    [DllImport(Crypto)] static extern IntPtr BIO_new(IntPtr type);
    [DllImport(Crypto)] static extern int BIO_read(IntPtr bio, byte* buf, int len);
    [DllImport(Crypto)] static extern int BIO_write(IntPtr bio, byte* buf, int len);
    const int SSL_CTRL_SET_MIN_PROTO_VERSION = 123, SSL_CTRL_SET_MAX_PROTO_VERSION = 124;

    public static double Run(string certFile, string keyFile, int n, int payload, bool tls12, out long alloc)
    {
        long ver = tls12 ? 0x0303 : 0x0304;
        IntPtr sctx = SSL_CTX_new(TLS_server_method());
        if (SSL_CTX_use_certificate_chain_file(sctx, certFile) != 1 || SSL_CTX_use_PrivateKey_file(sctx, keyFile, 1) != 1)
            throw new InvalidOperationException("cert");
        IntPtr cctx = SSL_CTX_new(TLS_client_method());
        foreach (var c in new[] { sctx, cctx })
        {
            SSL_CTX_ctrl(c, SSL_CTRL_SET_MIN_PROTO_VERSION, ver, 0);
            SSL_CTX_ctrl(c, SSL_CTRL_SET_MAX_PROTO_VERSION, ver, 0);
        }
        IntPtr s = SSL_new(sctx), c1 = SSL_new(cctx);
        IntPtr sIn = BIO_new(BIO_s_mem()), sOut = BIO_new(BIO_s_mem()), cIn = BIO_new(BIO_s_mem()), cOut = BIO_new(BIO_s_mem());
        SSL_set_bio(s, sIn, sOut);
        SSL_set_bio(c1, cIn, cOut);
        SSL_set_accept_state(s);
        SSL_set_connect_state(c1);
        byte[] buf = new byte[1 << 20];
        fixed (byte* p = buf)
        {
            for (int i = 0; i < 20; i++)
            {
                int rc = SSL_do_handshake(c1);
                int rs = SSL_do_handshake(s);
                Pump(cOut, sIn, p, buf.Length);
                Pump(sOut, cIn, p, buf.Length);
                if (rc == 1 && rs == 1) break;
            }
            // Client records, made beforehand.
            byte[] frame = new byte[payload];
            var cipher = new MemoryStream();
            fixed (byte* f = frame)
            {
                for (int i = 0; i < n; i++)
                {
                    if (SSL_write(c1, f, payload) != payload) throw new InvalidOperationException("client write");
                    int got = BIO_read(cOut, p, buf.Length);
                    cipher.Write(buf, 0, got);
                }
            }
            byte[] all = cipher.ToArray();
            int recordLen = all.Length / n;
            byte[] plain = new byte[16384];
            byte[] outBuf = new byte[16384 + 512];
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = ThreadCpu.Nanoseconds();
            fixed (byte* src = all)
            fixed (byte* pl = plain)
            fixed (byte* ob = outBuf)
            {
                for (int i = 0; i < n; i++)
                {
                    BIO_write(sIn, src + (long)i * recordLen, recordLen);
                    int got = SSL_read(s, pl, plain.Length);
                    if (got != payload) throw new InvalidOperationException($"SSL_read {got} err {SSL_get_error(s, got)}");
                    if (SSL_write(s, pl, got) != got) throw new InvalidOperationException("SSL_write");
                    int len = BIO_read(sOut, ob, outBuf.Length);
                    if (len <= 0) throw new InvalidOperationException("BIO_read");
                }
            }
            long t1 = ThreadCpu.Nanoseconds();
            alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
            SSL_free(s);
            SSL_free(c1);
            SSL_CTX_free(sctx);
            SSL_CTX_free(cctx);
            return (t1 - t0) / 1000.0 / n;
        }
    }

    static void Pump(IntPtr from, IntPtr to, byte* p, int len)
    {
        int got;
        while ((got = BIO_read(from, p, len)) > 0) BIO_write(to, p, got);
    }
}
