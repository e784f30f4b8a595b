namespace RtcStack.Sdp;

/// <summary>The direction attribute of a media section (RFC 8866 §6.7).</summary>
public enum MediaDirection
{
    /// <summary><c>a=sendrecv</c> (the default when none is given).</summary>
    SendRecv,
    /// <summary><c>a=sendonly</c>.</summary>
    SendOnly,
    /// <summary><c>a=recvonly</c>.</summary>
    RecvOnly,
    /// <summary><c>a=inactive</c>.</summary>
    Inactive,
}
