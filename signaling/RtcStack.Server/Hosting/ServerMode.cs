namespace RtcStack.Server.Hosting;

/// <summary>How the process was started: <see cref="Dev"/> is true with <c>--dev</c>.</summary>
internal sealed record ServerMode(bool Dev);
