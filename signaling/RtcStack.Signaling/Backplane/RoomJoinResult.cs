namespace RtcStack.Signaling.Backplane;

/// <summary>The outcome of <see cref="IBackplane.AddMemberAsync"/>.</summary>
public enum RoomJoinResult
{
    Joined,
    AlreadyMember,
    Full,
}
