using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RtcStack.Net;
using RtcStack.Server.Hosting;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Limits;

/// <summary><c>Kestrel:Limits:*</c> from configuration, and the connection bound derived from the open-file limit.</summary>
public sealed class ConnectionLimitsTests
{
    [Fact]
    public async Task Kestrel_limits_on_the_command_line_reach_kestrel()
    {
        await using var app = RtcStackApp.Build(
        [
            "--urls", "http://127.0.0.1:0", "--Signaling:TokenSecret=" + TestNode.Secret,
            "--Kestrel:Limits:RequestHeadersTimeout=00:00:07", "--Kestrel:Limits:MaxConcurrentConnections=123",
            "--Kestrel:Limits:Http2:MaxStreamsPerConnection=17",
        ]);
        KestrelServerLimits limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(TimeSpan.FromSeconds(7), limits.RequestHeadersTimeout);
        Assert.Equal(123, limits.MaxConcurrentConnections);
        Assert.Equal(17, limits.Http2.MaxStreamsPerConnection);
    }

    [Fact]
    public async Task Unset_kestrel_limits_keep_kestrels_defaults()
    {
        await using var app = RtcStackApp.Build(["--urls", "http://127.0.0.1:0", "--Signaling:TokenSecret=" + TestNode.Secret]);
        KestrelServerLimits limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        var defaults = new KestrelServerLimits();
        Assert.Equal(defaults.RequestHeadersTimeout, limits.RequestHeadersTimeout);
        Assert.Null(limits.MaxConcurrentConnections);
    }

    [Theory]
    [InlineData(20000L, null, null, 19488)]
    [InlineData(20000L, null, "256", 19744)]
    [InlineData(600L, null, null, 150)] // a quarter of the limit when the reserve would leave less
    [InlineData(1024L, null, null, 512)]
    [InlineData(20000L, "5000", null, 5000)]
    [InlineData(20000L, "0", null, 0)] // off
    [InlineData(20000L, "auto", null, 19488)]
    [InlineData(null, null, null, 0)] // unknown open-file limit: off
    [InlineData(null, "300", null, 300)]
    public void The_bound_is_the_open_file_limit_minus_the_reserve_unless_set(long? soft, string? max, string? reserve, int expected)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (max is not null)
        {
            settings["Server:MaxConnections"] = max;
        }
        if (reserve is not null)
        {
            settings["Server:FileDescriptorReserve"] = reserve;
        }
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.Equal(expected, ConnectionLimits.Limit(configuration, soft, out _));
    }

    [Fact]
    public void A_bad_number_is_a_configuration_error()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>(StringComparer.Ordinal) { ["Server:MaxConnections"] = "lots" })
            .Build();
        Assert.Throws<OptionsValidationException>(() => ConnectionLimits.Limit(configuration, 1000, out _));
    }

    [Theory]
    [InlineData("Limit                     Soft Limit           Hard Limit           Units     \nMax open files            600                  20000                files     \n", 600L)]
    [InlineData("Max open files            unlimited            unlimited            files     \n", null)]
    [InlineData("Max processes             100                  100                  processes \n", null)]
    [InlineData("", null)]
    public void The_soft_limit_is_read_from_proc_limits(string text, long? expected) =>
        Assert.Equal(expected, FileDescriptorLimit.Parse(text));

    [Fact]
    public void This_process_has_a_known_open_file_limit() => Assert.True(FileDescriptorLimit.Soft() > 0);
}
