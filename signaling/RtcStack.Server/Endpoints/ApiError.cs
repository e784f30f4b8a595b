namespace RtcStack.Server.Endpoints;

/// <summary>An HTTP API error body.</summary>
internal sealed record ApiError(string Error, string Message);
