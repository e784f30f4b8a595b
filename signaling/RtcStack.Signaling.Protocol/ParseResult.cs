namespace RtcStack.Signaling.Protocol;

/// <summary>
/// The outcome of parsing one client frame: either a validated <see cref="Message"/> or a stable
/// <see cref="ErrorCode"/> with a human <see cref="ErrorMessage"/>. <see cref="RequestId"/> is the frame's
/// <c>id</c> when it could be read, so the error can refer to the request.
/// </summary>
public readonly struct ParseResult
{
    private ParseResult(ClientMessage? message, string? errorCode, string? errorMessage, string? requestId)
    {
        Message = message;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        RequestId = requestId;
    }

    public ClientMessage? Message { get; }
    public string? ErrorCode { get; }
    public string? ErrorMessage { get; }
    public string? RequestId { get; }
    public bool IsOk => Message is not null;

    public static ParseResult Ok(ClientMessage message) => new(message, null, null, message.Id);

    public static ParseResult Fail(string code, string message, string? requestId) => new(null, code, message, requestId);
}
