using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RtcStack.Signaling.Diagnostics;

namespace RtcStack.Signaling.Calls;

/// <summary>
/// Tells an integrator that an invitation targets an offline peer: POST of a JSON body to
/// <c>Signaling:InviteWebhook</c>, signed with <c>X-RtcStack-Signature: sha256=hex(HMAC-SHA256(secret, body))</c>,
/// retried with exponential backoff (Polly) on failure or a non-2xx answer.
/// </summary>
internal sealed class InviteWebhook
{
    private readonly HttpClient _http;
    private readonly Uri? _url;
    private readonly byte[] _secret;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public InviteWebhook(HttpClient http, IOptions<SignalingOptions> options, ILogger<InviteWebhook> logger, TimeProvider time)
    {
        SignalingOptions o = options.Value;
        _http = http;
        _url = string.IsNullOrEmpty(o.InviteWebhook) ? null : new Uri(o.InviteWebhook);
        _secret = Encoding.UTF8.GetBytes(o.InviteWebhookSecret ?? o.TokenSecret ?? "");
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 4,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>()
                    .HandleResult(r => !r.IsSuccessStatusCode),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    public bool Enabled => _url is not null;

    /// <summary>Computes the signature header value for a body.</summary>
    public static string Sign(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    /// <summary>Sends the notification; never throws (failures are logged).</summary>
    public async Task NotifyAsync(string callId, string from, string to, string room, JsonElement? meta, long expiresAt, CancellationToken cancellationToken)
    {
        if (_url is null)
        {
            return;
        }
        byte[] body = BuildBody(callId, from, to, room, meta, expiresAt);
        string signature = Sign(_secret, body);
        try
        {
            using HttpResponseMessage response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add("X-RtcStack-Signature", signature);
                return await _http.SendAsync(request, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            Log.WebhookDelivered(_logger, callId);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            Log.WebhookFailed(_logger, ex, callId);
        }
    }

    private static byte[] BuildBody(string callId, string from, string to, string room, JsonElement? meta, long expiresAt)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("event", "invite");
            w.WriteString("callId", callId);
            w.WriteString("from", from);
            w.WriteString("to", to);
            w.WriteString("room", room);
            w.WriteNumber("expiresAt", expiresAt);
            if (meta is { ValueKind: JsonValueKind.Object } m)
            {
                w.WritePropertyName("meta");
                m.WriteTo(w);
            }
            w.WriteEndObject();
        }
        return stream.ToArray();
    }
}
