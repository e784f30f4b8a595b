using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Engine;

/// <summary><c>Server:SignalingEngine</c>: epoll by default (where supported), kestrel when asked for.</summary>
public sealed class EngineSelectionTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("epoll", true)]
    [InlineData("EPOLL", true)]
    [InlineData("kestrel", false)]
    public void The_engine_follows_the_setting(string? value, bool epoll)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(value is null ? [] : [new("Server:SignalingEngine", value)])
            .Build();
        Assert.Equal(epoll && EpollEngine.IsSupported, RtcStackApp.UsesEpollEngine(configuration));
    }

    [Fact]
    public async Task A_node_without_the_setting_serves_ws_on_the_epoll_engine()
    {
        Assert.True(EpollEngine.IsSupported, "the suite runs on Linux x86-64");
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("default-engine");
        await alice.JoinAsync("d");
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        Assert.Equal(1, engine.Count);
    }

    [Fact]
    public async Task A_node_set_to_kestrel_has_no_engine()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Kestrel);
        Assert.Null(node.Services.GetService<EpollEngine>());
    }
}
