using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using RtcStack.Net;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Net;

/// <summary>
/// Interop of the STUN codec and the UDP endpoint with coturn's own client, <c>turnutils_stunclient</c>:
/// a Binding server written with <see cref="StunMessageReader"/>/<see cref="StunMessageWriter"/> on a
/// <see cref="UdpEndpoint"/> answers it over 127.0.0.1.
/// </summary>
public sealed class CoturnStunClientInteropTests
{
    [Fact]
    public async Task Turnutils_stunclient_gets_its_reflexive_address()
    {
        var server = new BindingServer();
        await using UdpEndpoint endpoint = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), server);
        endpoint.Start();

        (int exitCode, string output) = await RunAsync("turnutils_stunclient", $"-p {endpoint.LocalAddress.Port} 127.0.0.1");

        Assert.True(exitCode == 0, output);
        Assert.True(server.Requests.Count >= 1, output);
        Assert.All(server.Requests, r => Assert.Equal(StunParseResult.Success, r.Result));
        Assert.All(server.Requests, r => Assert.True(!r.HadFingerprint || r.FingerprintValid));
        TransportAddress client = server.Requests.First().Source;
        Assert.Contains($"127.0.0.1:{client.Port}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rfc5780_change_request_gets_420_unknown_attribute()
    {
        var server = new BindingServer();
        await using UdpEndpoint endpoint = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), server);
        endpoint.Start();

        // With -f the client sends CHANGE-REQUEST (0x0003), which this server does not implement:
        // RFC 8489 §6.3.1 asks for 420 with UNKNOWN-ATTRIBUTES. The client then retries for a long
        // time, so it is stopped once the 420 has gone out.
        (_, string output) = await RunAsync("turnutils_stunclient", $"-f -p {endpoint.LocalAddress.Port} 127.0.0.1", () => server.Answered420 >= 1);

        Assert.Contains(server.Requests, r => r.Unknown.Contains((StunAttributeType)0x0003));
        Assert.True(server.Answered420 >= 1, output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, Func<bool>? done = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (!process.HasExited && (done is null || !done()))
            {
                await Task.Delay(20, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Fall through: the process is stopped below.
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();

        return (process.ExitCode, await stdout + await stderr);
    }

    internal sealed record SeenRequest(StunParseResult Result, TransportAddress Source, bool HadFingerprint, bool FingerprintValid, StunAttributeType[] Unknown);

    /// <summary>A minimal RFC 8489 Binding server: XOR-MAPPED-ADDRESS, or 420 for unknown comprehension-required attributes.</summary>
    private sealed class BindingServer : IDatagramHandler
    {
        private int _answered420;

        public ConcurrentQueue<SeenRequest> Requests { get; } = new();

        public int Answered420 => Volatile.Read(ref _answered420);

        public PacketDisposition OnDatagram(UdpEndpoint endpoint, ReadOnlySpan<byte> datagram, in TransportAddress source)
        {
            StunParseResult result = StunMessageReader.TryParse(datagram, out StunMessageReader request);
            if (result != StunParseResult.Success)
            {
                Requests.Enqueue(new SeenRequest(result, source, false, false, []));
                return PacketDisposition.Malformed;
            }

            Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
            int unknownCount = Math.Min(request.GetUnknownComprehensionRequired(unknown), unknown.Length);
            Requests.Enqueue(new SeenRequest(result, source, request.HasFingerprint, request.VerifyFingerprint(), unknown[..unknownCount].ToArray()));
            if (request.Method != StunMethod.Binding || request.Class != StunClass.Request)
            {
                return PacketDisposition.Dropped;
            }

            Span<byte> buffer = stackalloc byte[256];
            StunClass answerClass = unknownCount > 0 ? StunClass.ErrorResponse : StunClass.SuccessResponse;
            var writer = new StunMessageWriter(buffer, request.MessageType.WithClass(answerClass), request.TransactionIdBytes);
            if (unknownCount > 0)
            {
                writer.AddErrorCode(StunErrorCodes.UnknownAttribute, StunErrorCodes.GetReasonPhrase(StunErrorCodes.UnknownAttribute));
                writer.AddUnknownAttributes(unknown[..unknownCount]);
                Interlocked.Increment(ref _answered420);
            }
            else
            {
                writer.AddXorMappedAddress(source);
                writer.AddMappedAddress(source);
            }

            writer.AddSoftware("RtcStack test");
            writer.AddFingerprint();
            if (writer.TryComplete(out int length))
            {
                endpoint.Send(buffer[..length], source);
            }

            return PacketDisposition.Handled;
        }
    }
}
