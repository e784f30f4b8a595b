namespace RtcStack.Stun;

/// <summary>STUN/TURN error codes and their RFC reason phrases (RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3).</summary>
public static class StunErrorCodes
{
    /// <summary>300 Try Alternate.</summary>
    public const int TryAlternate = 300;

    /// <summary>400 Bad Request.</summary>
    public const int BadRequest = 400;

    /// <summary>401 Unauthenticated.</summary>
    public const int Unauthenticated = 401;

    /// <summary>403 Forbidden.</summary>
    public const int Forbidden = 403;

    /// <summary>405 Mobility Forbidden.</summary>
    public const int MobilityForbidden = 405;

    /// <summary>420 Unknown Attribute.</summary>
    public const int UnknownAttribute = 420;

    /// <summary>437 Allocation Mismatch.</summary>
    public const int AllocationMismatch = 437;

    /// <summary>438 Stale Nonce.</summary>
    public const int StaleNonce = 438;

    /// <summary>440 Address Family not Supported.</summary>
    public const int AddressFamilyNotSupported = 440;

    /// <summary>441 Wrong Credentials.</summary>
    public const int WrongCredentials = 441;

    /// <summary>442 Unsupported Transport Protocol.</summary>
    public const int UnsupportedTransportProtocol = 442;

    /// <summary>443 Peer Address Family Mismatch.</summary>
    public const int PeerAddressFamilyMismatch = 443;

    /// <summary>446 Connection Already Exists (RFC 6062).</summary>
    public const int ConnectionAlreadyExists = 446;

    /// <summary>447 Connection Timeout or Failure (RFC 6062).</summary>
    public const int ConnectionTimeoutOrFailure = 447;

    /// <summary>486 Allocation Quota Reached.</summary>
    public const int AllocationQuotaReached = 486;

    /// <summary>487 Role Conflict (RFC 8445).</summary>
    public const int RoleConflict = 487;

    /// <summary>500 Server Error.</summary>
    public const int ServerError = 500;

    /// <summary>508 Insufficient Capacity.</summary>
    public const int InsufficientCapacity = 508;

    /// <summary>The reason phrase the RFCs give for a code (a cached string; no allocation).</summary>
    public static string GetReasonPhrase(int code) => code switch
    {
        TryAlternate => "Try Alternate",
        BadRequest => "Bad Request",
        Unauthenticated => "Unauthenticated",
        Forbidden => "Forbidden",
        MobilityForbidden => "Mobility Forbidden",
        UnknownAttribute => "Unknown Attribute",
        AllocationMismatch => "Allocation Mismatch",
        StaleNonce => "Stale Nonce",
        AddressFamilyNotSupported => "Address Family not Supported",
        WrongCredentials => "Wrong Credentials",
        UnsupportedTransportProtocol => "Unsupported Transport Protocol",
        PeerAddressFamilyMismatch => "Peer Address Family Mismatch",
        ConnectionAlreadyExists => "Connection Already Exists",
        ConnectionTimeoutOrFailure => "Connection Timeout or Failure",
        AllocationQuotaReached => "Allocation Quota Reached",
        RoleConflict => "Role Conflict",
        ServerError => "Server Error",
        InsufficientCapacity => "Insufficient Capacity",
        _ => "Error",
    };
}
