using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// Entry point for every datagram or stream frame from a client: ChannelData goes to the relay,
/// STUN messages are checked (well-formed, FINGERPRINT, comprehension-required attributes), answered
/// from the transaction cache when retransmitted, authenticated, and dispatched to one handler per
/// method. Malformed input is counted and dropped; nothing here throws on bad bytes.
/// </summary>
internal sealed class TurnMessageProcessor
{
    private readonly TurnState _state;
    private readonly TransactionCache _cache;
    private readonly BindingHandler _binding;
    private readonly AllocateHandler _allocate;
    private readonly RefreshHandler _refresh;
    private readonly CreatePermissionHandler _createPermission;
    private readonly ChannelBindHandler _channelBind;
    private readonly SendIndicationHandler _send;
    private readonly ChannelDataHandler _channelData;
    private readonly ConnectHandler _connect;
    private readonly ConnectionBindHandler _connectionBind;

    internal TurnMessageProcessor(TurnState state, TransactionCache cache)
    {
        _state = state;
        _cache = cache;
        _binding = new BindingHandler(state.Responder);
        _allocate = new AllocateHandler(state);
        _refresh = new RefreshHandler(state);
        _createPermission = new CreatePermissionHandler(state);
        _channelBind = new ChannelBindHandler(state);
        _send = new SendIndicationHandler(state);
        _channelData = new ChannelDataHandler(state);
        _connect = new ConnectHandler(state);
        _connectionBind = new ConnectionBindHandler(state);
    }

    /// <summary>Handles one datagram or one complete stream frame.</summary>
    internal void Process(ReadOnlySpan<byte> message, in FiveTuple fiveTuple, IClientEndpoint endpoint, IngressState ingress)
    {
        long now = _state.Time.GetTimestamp();
        if (ChannelDataReader.IsChannelData(message))
        {
            _channelData.Handle(fiveTuple, message, now, ingress);
            return;
        }
        if (StunMessageReader.TryParse(message, out StunMessageReader reader) != StunParseResult.Success
            || (reader.HasFingerprint && !reader.VerifyFingerprint()))
        {
            _state.Metrics.Malformed();
            return;
        }
        var request = new TurnRequest { Message = reader, FiveTuple = fiveTuple, Endpoint = endpoint, Ingress = ingress, Now = now };
        switch (reader.Class)
        {
            case StunClass.Request:
                HandleRequest(request);
                break;
            case StunClass.Indication when reader.Method == StunMethod.Send:
                _send.Handle(request);
                break;
            default:
                break; // responses and other indications from clients are ignored (RFC 8489 §6.3)
        }
    }

    /// <summary>A TCP/TLS connection closed: its allocation goes with it (RFC 8656 §3.1).</summary>
    internal void ConnectionClosed(in FiveTuple fiveTuple)
    {
        if (_state.Allocations.TryGet(fiveTuple, out Allocations.Allocation allocation) && _state.Allocations.Remove(allocation))
        {
            _ = _state.CloseAsync(allocation, "connection closed").AsTask();
        }
    }

    /// <summary>Counts a frame dropped by a transport before it reached here.</summary>
    internal void Malformed() => _state.Metrics.Malformed();

    /// <summary>The server's state (options, metrics) for the transports.</summary>
    internal TurnState State => _state;

    private void HandleRequest(scoped in TurnRequest request)
    {
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
        int unknownCount = request.Message.GetUnknownComprehensionRequired(unknown);
        if (unknownCount > 0)
        {
            // RFC 8489 §6.3.1: 420 with UNKNOWN-ATTRIBUTES.
            StunMessageWriter writer = _state.Responder.Error(request, 420, "Unknown Attribute");
            writer.AddUnknownAttributes(unknown[..Math.Min(unknownCount, unknown.Length)]);
            _state.Responder.Send(request, ref writer, signer: null);
            return;
        }
        StunMethod method = request.Message.Method;
        if (method == StunMethod.Binding)
        {
            _binding.Handle(request);
            return;
        }
        if (method is not (StunMethod.Allocate or StunMethod.Refresh or StunMethod.CreatePermission or StunMethod.ChannelBind
            or StunMethod.Connect or StunMethod.ConnectionBind))
        {
            _state.Responder.SendError(request, 400, "Bad Request");
            return;
        }
        if (_cache.TryGet(request.FiveTuple, request.Message.TransactionId, out ReadOnlyMemory<byte> cached))
        {
            request.Endpoint.Send(cached.Span);
            return;
        }
        Credentials? credentials = _state.Authenticator.Authenticate(request);
        if (credentials is null)
        {
            return;
        }
        switch (method)
        {
            case StunMethod.Allocate:
                _allocate.Handle(request, credentials);
                break;
            case StunMethod.Refresh:
                _refresh.Handle(request, credentials);
                break;
            case StunMethod.CreatePermission:
                _createPermission.Handle(request, credentials);
                break;
            case StunMethod.Connect:
                _connect.Handle(request, credentials);
                break;
            case StunMethod.ConnectionBind:
                _connectionBind.Handle(request, credentials);
                break;
            default:
                _channelBind.Handle(request, credentials);
                break;
        }
    }
}
