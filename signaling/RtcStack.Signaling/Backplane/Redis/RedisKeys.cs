using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Names of everything the backplane keeps in Redis (all under <see cref="RedisBackplaneOptions.KeyPrefix"/>):
/// <list type="bullet">
/// <item><c>room:{room}</c> hash: peer → meta JSON ("" for none). Redis drops the hash when it empties.</item>
/// <item><c>route:{peer}</c> string: the node that delivers to the peer.</item>
/// <item><c>owner:{peer}</c> hash: <c>node</c>, <c>session</c> of the peer's session.</item>
/// <item><c>peer-rooms:{peer}</c> set: the rooms the peer is a member of (so its memberships can be removed when its
/// node dies).</item>
/// <item><c>node-peers:{node}</c> set: the peers whose session that node owns.</item>
/// <item><c>nodes</c> set: the nodes that registered and were not yet swept as dead.</item>
/// <item><c>alive:{node}</c> string with a TTL (<see cref="RedisBackplaneOptions.NodeLivenessTtl"/>): refreshed by the
/// node while it runs; when it has expired, a survivor sweeps the node (<see cref="RedisScripts.SweepDeadNode"/>).</item>
/// <item><c>held:{node}</c> hash: call id → <see cref="CallState"/> JSON of the invitations that node holds for offline
/// callees; the sweep of a dead node moves them to the sweeping node, which holds them until they ring out.</item>
/// <item><c>epoch</c> string: set once to a random id; a node that finds it missing or changed after an outage knows
/// Redis lost its data (the other nodes are writing theirs back too, so absent members are not gone).</item>
/// <item><c>swept:{node}</c> string, 1 day TTL: left by the sweep of a node presumed dead; a node that comes back reads
/// and deletes it (its peers' calls were ended on the other nodes, see <see cref="IBackplaneHandler.OnSessionsRevivedAsync"/>).</item>
/// <item><c>lost</c> stream, entries kept a day: <c>n</c> the node whose sessions were lost, <c>p</c> JSON array of
/// their peers, <c>s</c> JSON array of their sessions (same order; missing in entries of the previous version); appended with every lost-peer notice (<see cref="RedisLostPeers"/>), read by nodes that missed it.</item>
/// <item><c>node:{node}</c> channel: deliveries to peers on that node and session handover requests, processed in
/// order (<see cref="NodeChannelMessage"/>).</item>
/// <item><c>reply:{node}</c> channel: answers to the handover requests that node sent.</item>
/// </list>
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public RedisKey Room(string room) => prefix + "room:" + room;

    public RedisKey Route(string peer) => prefix + "route:" + peer;

    public RedisKey Owner(string peer) => prefix + "owner:" + peer;

    public RedisKey PeerRooms(string peer) => prefix + "peer-rooms:" + peer;

    public RedisKey NodePeers(string node) => NodePeersPrefix + node;

    /// <summary>The <c>node-peers:</c> key prefix, for scripts that build the key of another node.</summary>
    public string NodePeersPrefix => prefix + "node-peers:";

    public RedisKey Nodes => prefix + "nodes";

    public RedisKey Alive(string node) => prefix + "alive:" + node;

    /// <summary>Invitations the node holds for offline callees (call id → <see cref="CallState"/> JSON).</summary>
    public RedisKey Held(string node) => prefix + "held:" + node;

    /// <summary>A random id set once per Redis data set: a node that finds another one knows Redis lost its data.</summary>
    public RedisKey Epoch => prefix + "epoch";

    /// <summary>Tombstone a sweep leaves for a node it presumed dead (read by that node if it comes back).</summary>
    public RedisKey Swept(string node) => prefix + "swept:" + node;

    /// <summary>Lost-peer notices, durable (<see cref="RedisLostPeers"/>).</summary>
    public RedisKey Lost => prefix + "lost";

    /// <summary>The key prefix itself (scripts that find keys by name build them from it, see <see cref="RedisScripts"/>).</summary>
    public string Prefix => prefix;

    public RedisChannel NodeChannel(string node) => RedisChannel.Literal(NodeChannelPrefix + node);

    /// <summary>The node channel name without the node id (the routing scripts append the route).</summary>
    public string NodeChannelPrefix => prefix + "node:";

    public RedisChannel ReplyChannel(string node) => RedisChannel.Literal(prefix + "reply:" + node);
}
