using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RtcStack.Turn.Server;

namespace RtcStack.Turn.Tests;

/// <summary>
/// rtcstack-turn's web host does not watch the working directory: its content root is the application's directory and
/// no configuration file is reloaded on change (a watcher on a busy working directory cost 6.6 % CPU, bench/turn run 30).
/// </summary>
public sealed class TurnHostOptionsTests
{
    [Fact]
    public void The_host_roots_in_the_application_directory_and_watches_no_configuration_file()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(HostSettings.WebHostOptions());
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory),
            Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath));
        FileConfigurationSource[] files = [.. ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>()];
        Assert.NotEmpty(files); // appsettings.json and appsettings.{Environment}.json, both optional
        Assert.All(files, f => Assert.False(f.ReloadOnChange, f.Path));
    }
}
