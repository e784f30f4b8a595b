using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RtcStack.Sfu.Echo;

namespace RtcStack.Sfu.Tests;

/// <summary>A Kestrel app on 127.0.0.1 (free port) that serves echo.html and POST /media/echo, plus the media port.</summary>
internal sealed class EchoHost : IAsyncDisposable
{
    private WebApplication _app = null!;

    public WebRtcServer Media { get; private set; } = null!;

    public EchoService Echo { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<EchoHost> StartAsync(TimeSpan? dtlsHandshakeTimeout = null)
    {
        var host = new EchoHost();
        var options = new MediaOptions { ListenIp = "127.0.0.1", Port = 0, IceTcp = true };
        if (dtlsHandshakeTimeout is { } t)
        {
            options.DtlsHandshakeTimeout = t;
        }
        host.Media = WebRtcServer.Start(options);
        host.Echo = new EchoService(host.Media);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var page = ReadPage();
        app.MapGet("/", () => Results.Content(page, "text/html"));
        app.MapPost("/media/echo", async (HttpRequest request, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body);
            var offer = await reader.ReadToEndAsync(ct);
            try
            {
                var policy = request.Query["transport"] == "tcp" ? IceCandidatePolicy.TcpOnly : IceCandidatePolicy.UdpOnly;
                return Results.Text(await host.Echo.AnswerAsync(offer, policy, ct), "application/sdp");
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(e.Message);
            }
        });
        await app.StartAsync();
        host._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address);
        return host;
    }

    private static string ReadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("echo.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Echo.DisposeAsync();
        await Media.DisposeAsync();
    }
}
