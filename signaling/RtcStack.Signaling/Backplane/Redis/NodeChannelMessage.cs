using System.Text.Json;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// What travels on a node channel, one kind per first byte: <c>D</c> + JSON array of peer ids + <c>\n</c> +
/// envelope JSON (a delivery; <see cref="RedisScripts.PublishToRoutes"/> builds the same shape in Lua), or
/// <c>H</c> + <see cref="RedisHandoverRequest"/> JSON, or <c>L</c> + a <c>lost</c> stream entry id + <c>\n</c> + JSON array of peer ids whose sessions
/// were lost with their node (published by <see cref="RedisLivenessScripts"/>), or <c>E</c> + the id of a held invitation its callee
/// answered (<see cref="RedisLivenessScripts.EndHeld"/>). All share one channel so a handover request is
/// processed after every delivery routed to the node before it.
/// </summary>
internal static class NodeChannelMessage
{
    public const byte Delivery = (byte)'D';
    public const byte Handover = (byte)'H';
    public const byte Lost = (byte)'L';
    public const byte HeldEnded = (byte)'E';

    public static string EncodeDelivery(string peer, string envelopeJson) =>
        "D" + JsonSerializer.Serialize([peer], RedisBackplaneJsonContext.Default.ListString) + "\n" + envelopeJson;

    public static string EncodeEnvelope(BackplaneEnvelope envelope) =>
        JsonSerializer.Serialize(envelope, RedisBackplaneJsonContext.Default.BackplaneEnvelope);

    public static byte[] EncodeHandover(RedisHandoverRequest request)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(request, RedisBackplaneJsonContext.Default.RedisHandoverRequest);
        byte[] payload = new byte[json.Length + 1];
        payload[0] = Handover;
        json.CopyTo(payload, 1);
        return payload;
    }

    /// <summary>Parses a delivery; false when it is malformed. Throws nothing.</summary>
    public static bool TryParseDelivery(ReadOnlySpan<byte> payload, out List<string> peers, out BackplaneEnvelope envelope)
    {
        peers = [];
        envelope = new BackplaneEnvelope();
        if (payload.Length < 2 || payload[0] != Delivery)
        {
            return false;
        }
        int newline = payload.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }
        try
        {
            var parsedPeers = JsonSerializer.Deserialize(payload[1..newline], RedisBackplaneJsonContext.Default.ListString);
            var parsedEnvelope = JsonSerializer.Deserialize(payload[(newline + 1)..], RedisBackplaneJsonContext.Default.BackplaneEnvelope);
            if (parsedPeers is null || parsedEnvelope is null)
            {
                return false;
            }
            peers = parsedPeers;
            envelope = parsedEnvelope;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses a lost-sessions message, <c>L</c> + the <c>lost</c> stream entry id + <c>\n</c> + JSON array of peers
    /// (or <c>L</c> + the array, with no id); null when it is malformed. Throws nothing.
    /// </summary>
    public static List<string>? TryParseLost(ReadOnlySpan<byte> payload, out string? entryId)
    {
        entryId = null;
        if (payload.Length < 2 || payload[0] != Lost)
        {
            return null;
        }
        ReadOnlySpan<byte> rest = payload[1..];
        int newline = rest.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            entryId = System.Text.Encoding.ASCII.GetString(rest[..newline]);
            rest = rest[(newline + 1)..];
        }
        return TryParsePeers(rest);
    }

    /// <summary>Parses a JSON array of peer ids; null when it is malformed (or holds a null). Throws nothing.</summary>
    public static List<string>? TryParsePeers(ReadOnlySpan<byte> json)
    {
        try
        {
            List<string>? peers = JsonSerializer.Deserialize(json, RedisBackplaneJsonContext.Default.ListString);
            return peers is not null && peers.TrueForAll(p => p is not null) ? peers : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc cref="TryParsePeers(ReadOnlySpan{byte})"/>
    public static List<string>? TryParsePeers(string json) => TryParsePeers(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a handover request; null when it is malformed.</summary>
    public static RedisHandoverRequest? TryParseHandover(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2 || payload[0] != Handover)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(payload[1..], RedisBackplaneJsonContext.Default.RedisHandoverRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
