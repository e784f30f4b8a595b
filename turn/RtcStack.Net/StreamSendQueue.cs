using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace RtcStack.Net;

/// <summary>
/// The send side of a <see cref="StreamConnection"/>: a bounded queue in pooled pipe memory, drained
/// by one loop that writes to the stream. Enqueueing never blocks; waiting for space is explicit.
/// </summary>
internal sealed class StreamSendQueue
{
    private readonly Lock _lock = new();
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly int _maxQueued;
    private TaskCompletionSource? _spaceWaiter;
    private long _queued;
    private bool _completed;

    public StreamSendQueue(int maxQueued) => _maxQueued = maxQueued;

    /// <summary>Copies <paramref name="data"/> into the queue; false when full or completed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (_completed || !HasRoom(data.Length))
            {
                return false;
            }

            _pipe.Writer.Write(data);
            _queued += data.Length;
            ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
            flush.GetAwaiter().GetResult(); // never pauses: pauseWriterThreshold is 0, so this completed synchronously
            return true;
        }
    }

    /// <summary>A task that completes when <paramref name="length"/> bytes may fit (or the queue completes); null when they fit now.</summary>
    public Task? WaitForSpace(int length)
    {
        lock (_lock)
        {
            if (_completed || HasRoom(length))
            {
                return null;
            }

            return (_spaceWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>True once <see cref="Complete"/> has run.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_lock)
            {
                return _completed;
            }
        }
    }

    /// <summary>No more data; the drain loop ends after what is queued (or at once when cancelled).</summary>
    public void Complete()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _pipe.Writer.Complete();
            waiter = _spaceWaiter;
            _spaceWaiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Writes queued bytes to <paramref name="stream"/> until completed.</summary>
    /// <returns>False when writing failed (the connection should close).</returns>
    public async Task<bool> DrainAsync(Stream stream, CancellationToken token)
    {
        PipeReader reader = _pipe.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    await stream.WriteAsync(segment, token).ConfigureAwait(false);
                }

                await stream.FlushAsync(token).ConfigureAwait(false);
                long written = buffer.Length;
                reader.AdvanceTo(buffer.End);
                Released(written);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool HasRoom(int length) => _queued == 0 || _queued + length <= _maxQueued;

    private void Released(long bytes)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _queued -= bytes;
            waiter = _spaceWaiter;
            _spaceWaiter = null;
        }

        waiter?.TrySetResult();
    }
}
