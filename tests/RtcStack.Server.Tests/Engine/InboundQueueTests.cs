using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcStack.Server.Engine;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The engine's per-socket message queue: assembly from fragments, chunked reads, the size cap, UTF-8 checks.</summary>
public sealed class InboundQueueTests
{
    [Property]
    public Property Messages_split_into_any_fragments_read_back_whole(NonEmptyArray<byte[]> messages, PositiveInt fragment, PositiveInt chunk)
    {
        var queue = new InboundQueue(1 << 20);
        foreach (byte[] message in messages.Get.Select(m => m ?? []))
        {
            queue.Begin(WebSocketFrameHeader.Binary);
            for (int at = 0; at < message.Length; at += fragment.Get)
            {
                int n = Math.Min(fragment.Get, message.Length - at);
                queue.Append(message.AsSpan(at, n), 0, at); // mask 0: bytes unchanged
            }
            Assert.True(queue.End());
        }
        foreach (byte[] message in messages.Get.Select(m => m ?? []))
        {
            var read = new List<byte>();
            bool end;
            do
            {
                byte[] buffer = new byte[Math.Min(chunk.Get, 4096)];
                end = queue.Read(buffer, out int count, out int opcode);
                Assert.Equal(WebSocketFrameHeader.Binary, opcode);
                read.AddRange(buffer.AsSpan(0, count));
            }
            while (!end);
            if (!read.SequenceEqual(message))
            {
                return false.ToProperty();
            }
        }
        return (!queue.HasMessage && queue.Buffered == 0).ToProperty();
    }

    [Fact]
    public void A_message_over_the_cap_keeps_cap_bytes()
    {
        var queue = new InboundQueue(10);
        queue.Begin(WebSocketFrameHeader.Text);
        queue.Append(Encoding.ASCII.GetBytes("0123456"), 0, 0);
        queue.Append(Encoding.ASCII.GetBytes("789abcdef"), 0, 7);
        Assert.True(queue.End());
        byte[] buffer = new byte[100];
        Assert.True(queue.Read(buffer, out int count, out _));
        Assert.Equal("0123456789", Encoding.ASCII.GetString(buffer, 0, count));
    }

    [Fact]
    public void Invalid_UTF8_text_is_reported_and_binary_is_not_checked()
    {
        var queue = new InboundQueue(100);
        queue.Begin(WebSocketFrameHeader.Text);
        queue.Append([0xC3, 0x28], 0, 0);
        Assert.False(queue.End());
        queue.Begin(WebSocketFrameHeader.Binary);
        queue.Append([0xC3, 0x28], 0, 0);
        Assert.True(queue.End());
    }

    [Fact]
    public void A_zero_byte_read_reports_the_type_without_consuming()
    {
        var queue = new InboundQueue(100);
        queue.Begin(WebSocketFrameHeader.Text);
        queue.Append("hi"u8, 0, 0);
        queue.End();
        Assert.False(queue.Read([], out int count, out int opcode));
        Assert.Equal((0, WebSocketFrameHeader.Text), (count, opcode));
        Assert.True(RelayFrameDetector.IsRelay(WebSocketFrameHeader.Text, """{"type":"candidate","room":"r"}"""u8));
        Assert.False(RelayFrameDetector.IsRelay(WebSocketFrameHeader.Text, """{"type":"hello","v":1}"""u8));
        Assert.Equal(2, queue.FirstPayload.Length);
    }
}
