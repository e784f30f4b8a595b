using System.Text;
using RtcStack.Sfu;
using RtcStack.Sfu.Echo;

namespace RtcStack.Media.EchoLoad;

/// <summary>
/// The server side, run as its own process so its CPU can be read from /proc/PID/stat apart from the
/// peers': a <see cref="WebRtcServer"/> with an <see cref="EchoService"/>. Protocol on stdin/stdout, one
/// line each: it prints "READY", then for every base64 offer line it prints the base64 answer line.
/// </summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync()
    {
        await using var server = WebRtcServer.Start(new MediaOptions { ListenIp = "127.0.0.1", Port = 0 });
        await using var echo = new EchoService(server);
        var stdout = Console.Out;
        await stdout.WriteLineAsync("READY").ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var offer = Encoding.UTF8.GetString(Convert.FromBase64String(line));
            string answer;
            try
            {
                answer = await echo.AnswerAsync(offer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                answer = "";
            }
            await stdout.WriteLineAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(answer))).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
        }
        return 0;
    }
}
