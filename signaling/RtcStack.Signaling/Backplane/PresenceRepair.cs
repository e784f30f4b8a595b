namespace RtcStack.Signaling.Backplane;

/// <summary>
/// Presence events one room missed while this node was cut off from the shared store (see
/// <see cref="IBackplaneHandler.OnPresenceRepairedAsync"/>). The handler sends them as ordinary presence events,
/// except that every <c>member-joined</c> carries <c>restored: true</c> and goes to both ends of the link it is
/// about (a <paramref name="Returned"/> or <paramref name="Newcomers"/> member and each of <paramref name="Others"/>;
/// each of this node's other members and each <paramref name="Joined"/> member), so both clients rebuild it.
/// </summary>
/// <param name="Room">The room.</param>
/// <param name="Others">The room's current members on other nodes: each gets <c>member-joined</c> for every
/// <paramref name="Returned"/> member and <c>member-left</c> for every <paramref name="Departed"/> peer.</param>
/// <param name="Returned">This node's members written back into the room (the other nodes had removed them, or
/// they joined while cut off).</param>
/// <param name="Departed">This node's peers that left the room while cut off (the other nodes still listed them).</param>
/// <param name="Joined">Members on other nodes this node's members do not know of yet (<c>member-joined</c>).</param>
/// <param name="Left">Members this node's members still list but that are gone (<c>member-left</c>).</param>
/// <param name="Updated">Members whose metadata changed meanwhile (<c>member-updated</c>).</param>
/// <param name="Newcomers">This node's members that joined while cut off: they saw no member of another node, so
/// they get <c>member-joined</c> for each of <paramref name="Others"/> instead of the three lists above.</param>
public sealed record PresenceRepair(
    RoomId Room,
    IReadOnlyList<RoomMember> Others,
    IReadOnlyList<RoomMember> Returned,
    IReadOnlyList<PeerId> Departed,
    IReadOnlyList<RoomMember> Joined,
    IReadOnlyList<PeerId> Left,
    IReadOnlyList<RoomMember> Updated,
    IReadOnlyList<PeerId> Newcomers);
