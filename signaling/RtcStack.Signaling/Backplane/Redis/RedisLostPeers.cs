using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Lost-peer notices made durable. The scripts that remove a gone node's sessions (<see cref="RedisLivenessScripts"/>)
/// append each notice to the <c>lost</c> stream (entries kept a day) before publishing it (<c>L</c>, with the entry
/// id) on every node channel. A node disconnected from Redis at that instant misses the publish, so it also reads the
/// stream after its cursor when it reconnects and on every liveness tick: each entry is applied once here, whichever
/// way it arrived first (an entry at or below the cursor was taken already, so two catch-ups at once apply it once).
/// A sweep of this node's own sessions (it was presumed dead; entry kind <c>k</c> = <c>s</c>) is skipped: its
/// write-back ends those calls (<see cref="IBackplaneHandler.OnSessionsRevivedAsync"/>); such a sweep is never
/// published to this node (the sweep unregisters it before publishing). A forgotten session of this node (a handover
/// it did not answer, <c>k</c> = <c>f</c>) is applied on both paths. When the stream was lost (expired, Redis restarted
/// without persistence, failover) and its newest id is below the cursor, the cursor goes back to the stream's start.
/// </summary>
internal sealed class RedisLostPeers(RedisKeys keys, string nodeId, ILogger logger)
{
    private const int Batch = 256;

    /// <summary>The <c>k</c> field of an entry written by the sweep of a dead node (<c>f</c>: a forgotten session).</summary>
    public const string SweepKind = "s";
    private readonly Lock _lock = new();
    private readonly HashSet<LostId> _applied = [];
    private LostId _cursor;
    private bool _started;

    /// <summary>At start: entries already in the stream are about sessions this node never had a call with.</summary>
    public async Task StartAsync(IDatabase db)
    {
        StreamEntry[] last = await db.StreamRangeAsync(keys.Lost, "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        lock (_lock)
        {
            if (last.Length > 0 && LostId.TryParse(last[0].Id.ToString()) is { } id && id.CompareTo(_cursor) > 0)
            {
                _cursor = id;
                _applied.RemoveWhere(a => a.CompareTo(_cursor) <= 0);
            }
            _started = true;
        }
    }

    /// <summary>A notice that came over the node channel: true when it is to be applied (not applied before).</summary>
    public bool TakePublished(string? id)
    {
        if (id is null || LostId.TryParse(id) is not { } parsed)
        {
            return true; // no entry id: apply (ending a call twice has no effect)
        }
        lock (_lock)
        {
            return parsed.CompareTo(_cursor) > 0 && _applied.Add(parsed);
        }
    }

    /// <summary>Reads the stream after the cursor and applies the notices not applied yet.</summary>
    public async Task CatchUpAsync(IDatabase db, IBackplaneHandler handler)
    {
        if (!Volatile.Read(ref _started))
        {
            await StartAsync(db).ConfigureAwait(false);
            return;
        }
        var sessions = new HashSet<LostSession>();
        while (true)
        {
            LostId from;
            lock (_lock)
            {
                from = _cursor;
            }
            StreamEntry[] entries = await db.StreamRangeAsync(keys.Lost, "(" + from, "+", count: Batch).ConfigureAwait(false);
            Take(entries, sessions);
            if (entries.Length == 0 && await RewoundAsync(db, from).ConfigureAwait(false))
            {
                continue;
            }
            if (entries.Length < Batch)
            {
                break;
            }
        }
        if (sessions.Count == 0)
        {
            return;
        }
        RedisBackplaneLog.LostPeersCaughtUp(logger, sessions.Count);
        try
        {
            await handler.OnSessionsLostAsync([.. sessions]).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failing handler must not stop the liveness beat or the write-back.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisBackplaneLog.DeliveryFailed(logger, ex);
        }
    }

    /// <summary>
    /// Nothing after the cursor: when the stream's newest entry is below the cursor (or the stream is gone), the stream
    /// was recreated since (its ids started again from the server's clock): the cursor goes back to the start, so the
    /// new entries are read. Those the node channel delivered were refused then (at or below the cursor) and are applied
    /// now; those above the old cursor applied live are still in the applied set. True when the cursor was moved.
    /// </summary>
    private async Task<bool> RewoundAsync(IDatabase db, LostId from)
    {
        if (from == default)
        {
            return false;
        }
        StreamEntry[] last = await db.StreamRangeAsync(keys.Lost, "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        LostId? newest = last.Length > 0 ? LostId.TryParse(last[0].Id.ToString()) : default(LostId);
        lock (_lock)
        {
            if (newest is not { } n || n.CompareTo(from) >= 0 || _cursor != from)
            {
                return false;
            }
            _cursor = default;
        }
        RedisBackplaneLog.LostStreamRewound(logger, from.ToString());
        return true;
    }

    private void Take(StreamEntry[] entries, HashSet<LostSession> sessions)
    {
        lock (_lock)
        {
            foreach (StreamEntry entry in entries)
            {
                if (LostId.TryParse(entry.Id.ToString()) is not { } id)
                {
                    continue;
                }
                if (id.CompareTo(_cursor) <= 0)
                {
                    continue; // taken by a catch-up that ran at the same time
                }
                _cursor = id;
                if (!_applied.Add(id) || (entry["n"] == nodeId && IsSweep(entry["k"])))
                {
                    continue;
                }
                if (NodeChannelMessage.TryParsePeers(entry["p"].ToString()) is { } lost)
                {
                    // Entries written by the previous version have no sessions: they name none (all calls with the peer).
                    RedisValue ids = entry["s"];
                    sessions.UnionWith(NodeChannelMessage.ToLost(lost, ids.IsNull ? null : NodeChannelMessage.TryParsePeers(ids.ToString())));
                }
                else
                {
                    RedisBackplaneLog.BadMessage(logger, null, "lost");
                }
            }
            _applied.RemoveWhere(a => a.CompareTo(_cursor) <= 0);
        }
    }

    // Entries written before the kind was recorded were all sweeps, as far as this node's own sessions go.
    private static bool IsSweep(RedisValue kind) => kind.IsNull || kind == SweepKind;

    /// <summary>A stream entry id, <c>milliseconds-sequence</c>.</summary>
    private readonly record struct LostId(ulong Ms, ulong Seq) : IComparable<LostId>
    {
        public static LostId? TryParse(string text)
        {
            int dash = text.IndexOf('-', StringComparison.Ordinal);
            return dash > 0
                && ulong.TryParse(text.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong ms)
                && ulong.TryParse(text.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong seq)
                ? new LostId(ms, seq)
                : null;
        }

        public int CompareTo(LostId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

        public override string ToString() => Ms.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
