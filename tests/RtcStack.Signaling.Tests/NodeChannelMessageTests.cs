using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The lost-sessions message on a node channel (<c>L</c> + stream entry id + <c>\n</c> + JSON array of peers + <c>\n</c>
/// + JSON array of their sessions; the previous version sent no sessions line).
/// </summary>
public sealed class NodeChannelMessageTests
{
    [Theory]
    [InlineData("L1764150000000-0\n[\"bob\",\"carol\"]\n[\"s-1\",\"s-2\"]", "1764150000000-0", "bob/s-1,carol/s-2")]
    [InlineData("L1764150000000-0\n[\"bob\",\"carol\"]", "1764150000000-0", "bob/,carol/")] // previous version: no sessions
    [InlineData("L1-0\n[\"bob\",\"carol\"]\n[\"s-1\"]", "1-0", "bob/,carol/")] // sessions that do not match: none
    [InlineData("L1-0\n[\"bob\"]\nnot json", "1-0", "bob/")]
    [InlineData("L1-0\n[\"bob\",\"carol\"]\n[\"\",\"s-2\"]", "1-0", "bob/,carol/s-2")] // an owner without a session id
    [InlineData("L[\"bob\"]", null, "bob/")] // no entry id: applied as it comes
    [InlineData("L17-3\n[]", "17-3", "")]
    public void A_lost_message_gives_its_entry_id_and_sessions(string text, string? id, string sessions)
    {
        List<LostSession>? parsed = NodeChannelMessage.TryParseLost(Encoding.UTF8.GetBytes(text), out string? entryId);
        Assert.NotNull(parsed);
        Assert.Equal(id, entryId);
        Assert.Equal(sessions, string.Join(',', parsed.Select(l => l.Peer.Value + "/" + l.SessionId)));
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
            List<LostSession>? parsed = NodeChannelMessage.TryParseLost(payload, out _);
            return parsed is null || parsed.TrueForAll(p => p.Peer.Value is not null && p.SessionId is not "");
        }).QuickCheckThrowOnFailure();
}
