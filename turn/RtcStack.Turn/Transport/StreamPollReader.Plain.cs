using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>The plain TCP read path on the poller thread, and what both paths do after their frames were processed.</summary>
internal sealed partial class StreamPollReader
{
    private void ReadPlain(StreamPollScratch scratch)
    {
        byte[] buffer = scratch.Read;
        int filled = _partial.MoveTo(buffer);
        int read = Receive(buffer.AsSpan(filled, StreamPollScratch.ReadSize));
        if (read <= 0)
        {
            _partial.Keep(buffer.AsSpan(0, filled));
            if (read < 0)
            {
                return; // would block: a stale readiness report
            }
            End(StreamPollOutcome.Closed, "closed by client");
            return;
        }
        filled += read;
        int consumed = _connection.ProcessRead(buffer, filled, scratch.Ingress);
        AfterFrames(buffer, consumed, filled);
    }

    /// <summary>After frames were processed: keep the partial tail, hand over a data connection, stop reading a laggard.</summary>
    private void AfterFrames(byte[] buffer, int consumed, int filled)
    {
        if (consumed < 0)
        {
            End(StreamPollOutcome.Closed, "unframeable data");
            return;
        }
        if (_connection.IsDataConnection)
        {
            Early = buffer.AsSpan(consumed, filled - consumed).ToArray();
            End(StreamPollOutcome.DataConnection, null);
            return;
        }
        _partial.Keep(buffer.AsSpan(consumed, filled - consumed));
        if (_connection.SendBacklogged)
        {
            End(StreamPollOutcome.Backpressure, null);
        }
    }

    /// <summary>A non-blocking read: bytes read, 0 at end of stream or on an error (the connection ends), -1 when it would block.</summary>
    private int Receive(Span<byte> into)
    {
        try
        {
            int n = _socket.Receive(into, SocketFlags.None, out SocketError error);
            return error switch
            {
                SocketError.Success => n,
                SocketError.WouldBlock => -1,
                _ => 0,
            };
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }
}
