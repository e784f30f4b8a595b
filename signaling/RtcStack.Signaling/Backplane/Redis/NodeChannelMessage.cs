using System.Text.Json;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// What travels on a node channel, one kind per first byte: <c>D</c> + JSON array of peer ids + <c>\n</c> +
/// envelope JSON (a delivery; <see cref="RedisScripts.PublishToRoutes"/> builds the same shape in Lua), or
/// <c>H</c> + <see cref="RedisHandoverRequest"/> JSON, or <c>L</c> + a <c>lost</c> stream entry id + <c>\n</c> + JSON array of peer ids whose sessions
/// were lost with their node + <c>\n</c> + JSON array of those sessions' ids, in the same order (published by
/// <see cref="RedisLivenessScripts"/>; nodes of the previous version sent no sessions line), or <c>E</c> + the id of a held invitation its callee
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
    /// Parses a lost-sessions message, <c>L</c> + the <c>lost</c> stream entry id + <c>\n</c> + JSON array of peers +
    /// <c>\n</c> + JSON array of their sessions (or without the sessions line, or <c>L</c> + the peers alone, with no id);
    /// null when it is malformed. A sessions line that does not match the peers names no session (see
    /// <see cref="ToLost"/>). Throws nothing.
    /// </summary>
    public static List<LostSession>? TryParseLost(ReadOnlySpan<byte> payload, out string? entryId)
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
        ReadOnlySpan<byte> sessions = default;
        int second = rest.IndexOf((byte)'\n');
        if (second >= 0)
        {
            sessions = rest[(second + 1)..];
            rest = rest[..second];
        }
        return TryParsePeers(rest) is { } peers ? ToLost(peers, second >= 0 ? TryParsePeers(sessions) : null) : null;
    }

    /// <summary>
    /// Pairs lost peers with their sessions (same order); an empty session id, or a sessions list that is missing or of
    /// another length, names no session (every call with the peer ends).
    /// </summary>
    public static List<LostSession> ToLost(List<string> peers, List<string>? sessions)
    {
        bool paired = sessions is not null && sessions.Count == peers.Count;
        var lost = new List<LostSession>(peers.Count);
        for (int i = 0; i < peers.Count; i++)
        {
            string? session = paired && sessions![i].Length > 0 ? sessions[i] : null;
            lost.Add(new LostSession(new PeerId(peers[i]), session));
        }
        return lost;
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
