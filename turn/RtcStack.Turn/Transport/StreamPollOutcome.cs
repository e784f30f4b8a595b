namespace RtcStack.Turn.Transport;

/// <summary>Why <see cref="StreamPollReader.FrameAsync"/> handed a connection back to its owner.</summary>
internal enum StreamPollOutcome
{
    /// <summary>Not ended (the reader's internal state between reads).</summary>
    None,

    /// <summary>End of stream, a read or TLS error, unframeable bytes, or the connection was closed.</summary>
    Closed,

    /// <summary>The client does not read its answers: reading stopped until its send queue drains.</summary>
    Backpressure,

    /// <summary>A ConnectionBind made this an RFC 6062 data connection: the rest of the stream is raw data.</summary>
    DataConnection,
}
