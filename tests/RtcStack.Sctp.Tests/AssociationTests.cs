using System.Text;

namespace RtcStack.Sctp.Tests;

public sealed class AssociationTests
{
    [Fact]
    public async Task Both_sides_sending_INIT_establish_one_association()
    {
        await using var net = new SimulatedNetwork();
        Assert.True(net.Connect());
        Assert.Equal(SctpAssociationState.Established, net.A.State);
        Assert.Equal(SctpAssociationState.Established, net.B.State);
        Assert.Equal(65535, net.A.OutboundStreams);
    }

    [Fact]
    public async Task Only_one_side_starting_establishes()
    {
        await using var net = new SimulatedNetwork();
        net.A.Start();
        Assert.True(net.RunUntil(() => net.A.State == SctpAssociationState.Established && net.B.State == SctpAssociationState.Established, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Handshake_survives_heavy_loss()
    {
        await using var net = new SimulatedNetwork(seed: 7) { Loss = 0.4 };
        Assert.True(net.Connect());
    }

    [Fact]
    public async Task Channel_opened_by_one_side_is_accepted_by_the_other_with_its_parameters()
    {
        await using var net = new SimulatedNetwork();
        DataChannel? accepted = null;
        net.B.OnDataChannel += c => accepted = c;
        DataChannel local = net.A.CreateDataChannel("chat", new DataChannelOptions { Ordered = false, MaxRetransmits = 3, Protocol = "json" });
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => accepted is not null, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, local.Id); // DTLS client: even ids
        Assert.Equal(DataChannelState.Open, local.State);
        Assert.Equal("chat", accepted!.Label);
        Assert.Equal("json", accepted.Protocol);
        Assert.False(accepted.Ordered);
        Assert.Equal(3, accepted.MaxRetransmits);
        Assert.Equal(0, accepted.Id);
        Assert.Equal(1, net.B.CreateDataChannel("other").Id); // DTLS server: odd ids
    }

    [Fact]
    public async Task Text_binary_and_empty_messages_arrive_with_their_kind()
    {
        await using var net = new SimulatedNetwork();
        var received = new List<DataChannelMessage>();
        net.B.OnDataChannel += c => c.OnMessage += (_, m) => received.Add(new DataChannelMessage(m.Data.ToArray(), m.IsText));
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.Equal(DataChannelSendResult.Queued, channel.Send("héllo"));
        Assert.Equal(DataChannelSendResult.Queued, channel.Send(string.Empty));
        Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[] { 1, 2, 3 }));
        Assert.Equal(DataChannelSendResult.Queued, channel.Send(ReadOnlySpan<byte>.Empty));
        Assert.True(net.RunUntil(() => received.Count == 4, TimeSpan.FromSeconds(10)));
        Assert.True(received[0].IsText);
        Assert.Equal("héllo", received[0].Text);
        Assert.True(received[1].IsText);
        Assert.Equal(0, received[1].Data.Length);
        Assert.False(received[2].IsText);
        Assert.Equal(new byte[] { 1, 2, 3 }, received[2].Data.ToArray());
        Assert.False(received[3].IsText);
        Assert.Equal(0, received[3].Data.Length);
    }

    [Fact]
    public async Task Message_larger_than_max_message_size_is_rejected()
    {
        await using var net = new SimulatedNetwork();
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.Equal(DataChannelSendResult.TooLarge, channel.Send(new byte[(256 * 1024) + 1]));
        Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[256 * 1024]));
    }

    internal static byte[] Pattern(int index, int size)
    {
        byte[] data = new byte[size];
        uint x = (uint)(index * 2654435761u) | 1;
        for (int i = 0; i < size; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data[i] = (byte)x;
        }

        return data;
    }

    internal static string Text(int index) => "message " + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + new string('z', index % 50);

    internal static bool Same(ReadOnlyMemory<byte> actual, byte[] expected) => actual.Span.SequenceEqual(expected);

    internal static string Utf8(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);
}
