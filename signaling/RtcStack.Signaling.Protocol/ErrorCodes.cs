namespace RtcStack.Signaling.Protocol;

/// <summary>The stable <c>code</c> values of an <c>error</c> message (docs/protocol.md, "Errors").</summary>
public static class ErrorCodes
{
    public const string BadRequest = "bad-request";
    public const string UnknownType = "unknown-type";
    public const string NotAuthenticated = "not-authenticated";
    public const string ProtocolViolation = "protocol-violation";
    public const string InvalidToken = "invalid-token";
    public const string TokenExpired = "token-expired";
    public const string Forbidden = "forbidden";
    public const string RoomFull = "room-full";
    public const string TooManyRooms = "too-many-rooms";
    public const string NotInRoom = "not-in-room";
    public const string UnknownTarget = "unknown-target";
    public const string UnknownCall = "unknown-call";
    public const string RateLimited = "rate-limited";
    public const string ResumeFailed = "resume-failed";
    public const string FrameTooLarge = "frame-too-large";
    public const string BinaryNotSupported = "binary-not-supported";
    public const string SlowConsumer = "slow-consumer";
    public const string TooManyConnections = "too-many-connections";
    public const string InternalError = "internal-error";

    /// <summary>Every code, in document order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        BadRequest, UnknownType, NotAuthenticated, ProtocolViolation, InvalidToken, TokenExpired, Forbidden,
        RoomFull, TooManyRooms, NotInRoom, UnknownTarget, UnknownCall, RateLimited, ResumeFailed,
        FrameTooLarge, BinaryNotSupported, SlowConsumer, TooManyConnections, InternalError,
    ];

    /// <summary>The close code a fatal error closes the socket with, or 0 when the error is recoverable.</summary>
    public static int CloseCodeFor(string code) => code switch
    {
        NotAuthenticated or ProtocolViolation => CloseCodes.ProtocolViolation,
        InvalidToken => CloseCodes.InvalidToken,
        TokenExpired => CloseCodes.TokenExpired,
        FrameTooLarge => CloseCodes.MessageTooBig,
        BinaryNotSupported => CloseCodes.InvalidMessageType,
        SlowConsumer => CloseCodes.SlowConsumer,
        TooManyConnections => CloseCodes.TooManyConnections,
        _ => 0,
    };

    /// <summary>True when the error closes the socket.</summary>
    public static bool IsFatal(string code) => CloseCodeFor(code) != 0;
}
