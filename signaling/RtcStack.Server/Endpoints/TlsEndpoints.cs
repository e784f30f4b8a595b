using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RtcStack.Server.Endpoints;

/// <summary>
/// The Kestrel endpoints that run TLS (<c>https</c> URLs, <c>UseHttps</c>, <c>Kestrel:Endpoints</c> with a certificate).
/// Their connection pipeline is built just before Kestrel binds them, so <see cref="SignalingListener.Attach"/> records
/// each one here and the epoll engine's listener factory looks the same <see cref="EndPoint"/> object up when it binds:
/// on a TLS endpoint every connection goes to Kestrel's TLS middleware (which closes anything that is not a TLS
/// handshake), so a plain-text <c>GET /ws</c> is never upgraded there.
/// </summary>
internal sealed class TlsEndpoints
{
    private readonly ConditionalWeakTable<EndPoint, object> _endpoints = [];

    /// <summary>Kestrel's display name of a TLS endpoint is <c>https://…</c> (its <c>IsTls</c> flag is not public).</summary>
    public static bool IsTls(ListenOptions listen) =>
        listen.ToString()?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;

    public void Add(EndPoint endpoint) => _endpoints.AddOrUpdate(endpoint, this);

    /// <summary>Whether <paramref name="endpoint"/> (the object Kestrel passes to the transport) is a TLS endpoint.</summary>
    public bool Contains(EndPoint endpoint) => _endpoints.TryGetValue(endpoint, out _);
}
