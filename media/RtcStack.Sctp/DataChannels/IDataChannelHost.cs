namespace RtcStack.Sctp.DataChannels;

/// <summary>What a <see cref="DataChannel"/> calls on its association (which takes its lock).</summary>
internal interface IDataChannelHost
{
    DataChannelSendResult Send(DataChannel channel, uint ppid, ReadOnlySpan<byte> data);

    void Close(DataChannel channel);

    /// <summary>Queues a user callback to run outside the lock (called while holding it).</summary>
    void Post(Action action);
}
