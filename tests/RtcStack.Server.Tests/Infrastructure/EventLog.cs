using RtcStack.Client;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>Records every event a client raises, and waits for the ones a test expects.</summary>
internal sealed class EventLog
{
    private readonly List<ServerMessage> _messages = [];
    private readonly List<ServerMessage> _welcomes = [];
    private readonly List<ConnectionState> _states = [];

    public EventLog(SignalingClient client)
    {
        client.MessageReceived += (_, e) =>
        {
            lock (_messages)
            {
                _messages.Add(e.Message);
            }
        };
        client.Welcomed += (_, e) =>
        {
            lock (_welcomes)
            {
                _welcomes.Add(e.Message);
            }
        };
        client.StateChanged += (_, e) =>
        {
            lock (_states)
            {
                _states.Add(e.Current);
            }
        };
    }

    public ServerMessage[] Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public ServerMessage[] Welcomes
    {
        get
        {
            lock (_welcomes)
            {
                return [.. _welcomes];
            }
        }
    }

    public ConnectionState[] States
    {
        get
        {
            lock (_states)
            {
                return [.. _states];
            }
        }
    }

    public ServerMessage[] OfType(string type) => [.. Messages.Where(m => m.Type == type)];

    /// <summary>Waits for the first message of <paramref name="type"/> matching <paramref name="match"/>.</summary>
    public async Task<ServerMessage> WaitAsync(string type, Func<ServerMessage, bool>? match = null, TimeSpan? timeout = null)
    {
        ServerMessage? found = null;
        await Eventually.TrueAsync(
            () => (found = Messages.FirstOrDefault(m => m.Type == type && (match?.Invoke(m) ?? true))) is not null,
            $"a '{type}' event",
            timeout);
        return found!;
    }

    /// <summary>Waits until <paramref name="count"/> messages of <paramref name="type"/> arrived.</summary>
    public async Task<ServerMessage[]> WaitCountAsync(string type, int count, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => OfType(type).Length >= count, $"{count} '{type}' events", timeout);
        return OfType(type);
    }
}
