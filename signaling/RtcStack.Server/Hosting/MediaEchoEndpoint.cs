using RtcStack.Sfu;
using RtcStack.Sfu.Echo;

namespace RtcStack.Server.Hosting;

/// <summary>
/// <c>POST /media/echo</c>: a browser posts its SDP offer (text) and gets the SFU's answer (text,
/// <c>application/sdp</c>); the SFU then echoes its audio, video and data channel messages back. A test and
/// diagnostic endpoint, mapped only when <c>Media:EchoEndpoint</c> is true. The media UDP port is bound on the
/// first request (<c>Media:ListenIp</c>, default 127.0.0.1; <c>Media:Port</c>, default 0 = a free port; see
/// <see cref="MediaOptions"/>) and closed when the application stops.
/// </summary>
public static class MediaEchoEndpoint
{
    /// <summary>Largest offer accepted (a Chromium offer is about 6 KB).</summary>
    public const int MaxOfferBytes = 64 * 1024;

    /// <summary>Maps <c>POST /media/echo</c> when configuration <c>Media:EchoEndpoint</c> is true.</summary>
    public static IEndpointRouteBuilder MapMediaEcho(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var options = new MediaOptions();
        services.GetRequiredService<IConfiguration>().GetSection(MediaOptions.SectionName).Bind(options);
        if (!options.EchoEndpoint)
        {
            return endpoints;
        }
        options.Validate();
        var host = new Lazy<(WebRtcServer Server, EchoService Echo)>(() =>
        {
            var loggers = services.GetRequiredService<ILoggerFactory>();
            var server = WebRtcServer.Start(options, loggers);
            return (server, new EchoService(server, loggers));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            if (host.IsValueCreated)
            {
                _ = StopAsync(host.Value.Server, host.Value.Echo);
            }
        });
        endpoints.MapPost("/media/echo", async (HttpRequest request, CancellationToken ct) =>
        {
            if (request.ContentLength > MaxOfferBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            using var reader = new StreamReader(request.Body);
            var buffer = new char[MaxOfferBytes + 1];
            var length = await reader.ReadBlockAsync(buffer, ct).ConfigureAwait(false);
            if (length > MaxOfferBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            try
            {
                var answer = await host.Value.Echo.AnswerAsync(new string(buffer, 0, length), ct).ConfigureAwait(false);
                return Results.Text(answer, "application/sdp");
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(e.Message);
            }
        });
        return endpoints;
    }

    /// <summary>Close cascade: echo sessions (their transports) first, then the media port.</summary>
    private static async Task StopAsync(WebRtcServer server, EchoService echo)
    {
        await echo.DisposeAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
    }
}
