namespace RtcStack.Turn.Auth;

/// <summary>What <see cref="NonceService.Check"/> found.</summary>
internal enum NonceStatus
{
    /// <summary>Issued by this server to this client address and still fresh.</summary>
    Valid,

    /// <summary>Genuine but older than the nonce lifetime: answer 438 Stale Nonce.</summary>
    Stale,

    /// <summary>Not issued by this server (wrong length, encoding, address or MAC): answer 438 as well.</summary>
    Invalid,
}
