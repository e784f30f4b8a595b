namespace RtcStack.Turn.Transport;

/// <summary>
/// The stream side of <see cref="SendBatch"/>: frames for one TCP/TLS client are copied into one buffer and leave
/// in one write when the client changes, the buffer is full, or the owner flushes (frames on a stream are
/// self-delimiting). One instance belongs to one thread.
/// </summary>
internal sealed class SendBatchStream
{
    private byte[]? _buffer;
    private IClientSink? _client;
    private int _length;

    /// <summary>Appends <paramref name="frame"/> (copied) for <paramref name="client"/>; a frame larger than the buffer is sent at once.</summary>
    internal void Add(IClientSink client, ReadOnlySpan<byte> frame)
    {
        _buffer ??= new byte[SendBatch.StreamBufferSize];
        if (_length > 0 && (!ReferenceEquals(client, _client) || _length + frame.Length > _buffer.Length))
        {
            Flush();
        }
        if (frame.Length > _buffer.Length)
        {
            client.Send(frame);
            return;
        }
        _client = client;
        frame.CopyTo(_buffer.AsSpan(_length));
        _length += frame.Length;
    }

    /// <summary>Writes the coalesced bytes to their client.</summary>
    internal void Flush()
    {
        IClientSink? client = _client;
        int length = _length;
        _client = null;
        _length = 0;
        if (client is not null && length > 0)
        {
            client.Send(_buffer.AsSpan(0, length));
        }
    }

    /// <summary>Forgets the client without sending (the batch is disposed).</summary>
    internal void Clear()
    {
        _client = null;
        _length = 0;
    }
}
