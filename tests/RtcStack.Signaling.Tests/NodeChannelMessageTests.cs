using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RtcStack.Signaling.Backplane.Redis;

namespace RtcStack.Signaling.Tests;

/// <summary>The lost-peer message on a node channel (<c>L</c> + stream entry id + <c>\n</c> + JSON array of peers).</summary>
public sealed class NodeChannelMessageTests
{
    [Theory]
    [InlineData("L1764150000000-0\n[\"bob\",\"carol\"]", "1764150000000-0", "bob,carol")]
    [InlineData("L[\"bob\"]", null, "bob")] // no entry id: applied as it comes
    [InlineData("L17-3\n[]", "17-3", "")]
    public void A_lost_message_gives_its_entry_id_and_peers(string text, string? id, string peers)
    {
        List<string>? parsed = NodeChannelMessage.TryParseLost(Encoding.UTF8.GetBytes(text), out string? entryId);
        Assert.NotNull(parsed);
        Assert.Equal(id, entryId);
        Assert.Equal(peers, string.Join(',', parsed));
    }

    [Theory]
    [InlineData("L")]
    [InlineData("D[\"bob\"]")]
    [InlineData("L1-0\n{\"bob\":1}")]
    [InlineData("L1-0\nnot json")]
    [InlineData("L1-0\n")]
    [InlineData("L1-0\n[\"bob\",null]")]
    public void A_malformed_lost_message_is_null(string text) =>
        Assert.Null(NodeChannelMessage.TryParseLost(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Parsing_a_lost_message_never_throws_for_any_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            byte[] payload = [(byte)'L', .. bytes ?? []];
            List<string>? parsed = NodeChannelMessage.TryParseLost(payload, out _);
            return parsed is null || parsed.TrueForAll(p => p is not null);
        }).QuickCheckThrowOnFailure();
}
