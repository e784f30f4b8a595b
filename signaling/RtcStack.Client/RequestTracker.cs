using System.Collections.Concurrent;
using System.Globalization;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>Correlates requests (<c>id</c>) with answers (<c>re</c>).</summary>
internal sealed class RequestTracker
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ServerMessage>> _pending = new(StringComparer.Ordinal);
    private long _next;

    public int Count => _pending.Count;

    public (string Id, Task<ServerMessage> Answer) Register()
    {
        string id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var source = new TaskCompletionSource<ServerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = source;
        return (id, source.Task);
    }

    public void Forget(string id) => _pending.TryRemove(id, out _);

    /// <summary>Completes the request <paramref name="message"/> answers; an <c>error</c> answer fails it.</summary>
    public bool TryComplete(ServerMessage message)
    {
        if (message.Re is null || !_pending.TryRemove(message.Re, out var source))
        {
            return false;
        }

        if (message.Type == MessageTypes.Error)
        {
            string code = message.Code ?? ErrorCodes.InternalError;
            source.TrySetException(new SignalingException(code, message.Message ?? code));
        }
        else
        {
            source.TrySetResult(message);
        }

        return true;
    }

    /// <summary>Fails every pending request (the connection dropped or the client closed).</summary>
    public void FailAll(string code, string message)
    {
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var source))
            {
                source.TrySetException(new SignalingException(code, message));
            }
        }
    }
}
