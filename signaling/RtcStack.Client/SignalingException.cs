namespace RtcStack.Client;

/// <summary>
/// A request failed: the server answered <c>error</c> (see <see cref="Code"/>, one of the codes in
/// docs/protocol.md), or the client gave up. Client-side codes are <see cref="ConnectionLostCode"/> and
/// <see cref="ClosedCode"/>.
/// </summary>
public sealed class SignalingException : Exception
{
    /// <summary>The connection dropped before the answer arrived (the request may or may not have been applied).</summary>
    public const string ConnectionLostCode = "connection-lost";

    /// <summary>The client is closed.</summary>
    public const string ClosedCode = "closed";

    /// <summary>Creates an exception with the given code and message.</summary>
    public SignalingException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Creates an exception with a generic code.</summary>
    public SignalingException()
        : this("internal-error", "Signaling failed.")
    {
    }

    /// <summary>Creates an exception with a generic code.</summary>
    public SignalingException(string message)
        : this("internal-error", message)
    {
    }

    /// <summary>Creates an exception with a generic code and an inner exception.</summary>
    public SignalingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "internal-error";
    }

    /// <summary>The stable error code, for example <c>room-full</c> or <c>unknown-target</c>.</summary>
    public string Code { get; } = "internal-error";

    /// <summary>The WebSocket close code when the error closed the connection, else null.</summary>
    public int? CloseCode { get; init; }
}
