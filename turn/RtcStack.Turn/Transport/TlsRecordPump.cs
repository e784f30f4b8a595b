using System.Runtime.CompilerServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// A TLS client's bytes to the peer until its end of stream (the RFC 6062 relay's client-to-peer direction, unpaced).
/// The client's SslStream is handed one record per read (see <see cref="TlsRecordCapture"/>), so reads that complete
/// at once (records the last socket read brought) are gathered and written to the peer together, as one socket read
/// was before; a read that has to wait, or fails, first has what was gathered written (a bad record never holds back
/// or loses the data before it). The caller's buffer is never left with a read in flight: when the peer write fails
/// while a read waits, the pump closes the pair (which ends that read) and waits for the read before it throws.
/// </summary>
internal static class TlsRecordPump
{
    /// <summary>
    /// Copies <paramref name="from"/> to <paramref name="to"/> through <paramref name="buffer"/> until the end of
    /// stream; throws what a read or a write threw. When it returns or throws, no read into the buffer is running.
    /// </summary>
    /// <param name="size">The bytes of <paramref name="buffer"/> to use (a pooled array may be longer).</param>
    /// <param name="ends">Counts the bytes written to the peer.</param>
    /// <param name="close">Closes both connections (called before waiting for a read left in flight by a failed write).</param>
    internal static async Task RunAsync(Stream from, Stream to, byte[] buffer, int size, ITcpRelayEnds ends, Action<string> close)
    {
        int start = 0, end = 0; // buffer[start..end): read, not yet written
        while (true)
        {
            if (start == end)
            {
                start = end = 0; // nothing held and no read in flight
            }
            else if (end == size)
            {
                await WriteAsync(to, buffer, start, end, ends).ConfigureAwait(false);
                start = end = 0;
            }
            ValueTask<int> reading = from.ReadAsync(buffer.AsMemory(end, size - end));
            if (!reading.IsCompleted && end > start)
            {
                try
                {
                    await WriteAsync(to, buffer, start, end, ends).ConfigureAwait(false); // the read lands behind these bytes
                }
                catch (Exception)
                {
                    close("peer connection failed"); // ends the client's read: it must not write into a buffer given back
                    await EndedAsync(reading).ConfigureAwait(false);
                    throw;
                }
                start = end;
            }
            int read;
            try
            {
                read = await reading.ConfigureAwait(false);
            }
            catch (Exception) when (end > start)
            {
                await WriteAsync(to, buffer, start, end, ends).ConfigureAwait(false);
                throw;
            }
            if (read == 0)
            {
                if (end > start)
                {
                    await WriteAsync(to, buffer, start, end, ends).ConfigureAwait(false);
                }
                return;
            }
            end += read;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteAsync(Stream to, byte[] buffer, int start, int end, ITcpRelayEnds ends)
    {
        await to.WriteAsync(buffer.AsMemory(start, end - start)).ConfigureAwait(false);
        ends.Relayed(end - start, toPeer: true);
    }

    /// <summary>Waits for a read whose result no longer matters (the pair is closing); its failure is the expected one.</summary>
    private static async ValueTask EndedAsync(ValueTask<int> reading)
    {
        try
        {
            await reading.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the connection failed already (the write's exception is the one thrown); the read's end is only waited for
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
