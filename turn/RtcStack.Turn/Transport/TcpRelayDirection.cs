using System.Buffers;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One direction of a <see cref="TcpRelayLoop"/> pair: source socket → the loop's buffer → destination socket, with
/// the bytes the destination did not take held until it does (backpressure: the source is not read meanwhile).
/// </summary>
internal unsafe struct TcpRelayDirection
{
    private byte[]? _held;
    private int _heldOffset, _heldCount;
    private bool _eof, _hungUp;

    /// <summary>The end of stream was read and passed on (half close), nothing is held.</summary>
    internal bool Shut { get; private set; }

    /// <summary>Bytes wait for the destination to become writable.</summary>
    internal readonly bool IsHolding => _heldCount > 0;

    /// <summary>
    /// Sends what is held, then reads the source once (again while a read fills <paramref name="buffer"/>, or until
    /// the end or EAGAIN when <paramref name="sourceHungUp"/>: the end of stream came with the event, and no new edge
    /// follows it) and sends what came; false on an error of either socket.
    /// </summary>
    internal bool Pump(int source, int destination, byte[] buffer, ITcpRelayEnds owner, bool toPeer, bool sourceHungUp)
    {
        _hungUp |= sourceHungUp; // remembered: the event may come while bytes are held, and no new edge follows the end
        if (_heldCount > 0 && !Flush(destination, owner, toPeer))
        {
            return false;
        }
        while (_heldCount == 0 && !_eof)
        {
            nint read;
            fixed (byte* p = buffer)
            {
                read = LinuxNative.Recv(source, p, buffer.Length, LinuxNative.MsgDontWait);
            }
            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr)
                {
                    continue;
                }
                return errno == LinuxNative.EAgain;
            }
            if (read == 0)
            {
                _eof = true;
                break;
            }
            if (!Send(destination, buffer, 0, (int)read, owner, toPeer))
            {
                return false;
            }
            if (read < buffer.Length && !_hungUp)
            {
                return true; // drained: more data is a new edge-triggered event
            }
        }
        if (_eof && _heldCount == 0 && !Shut)
        {
            _ = LinuxNative.Shutdown(destination, LinuxNative.ShutWr);
            Shut = true;
        }
        return true;
    }

    /// <summary>Gives the held buffer back (the pair is done).</summary>
    internal void ReturnHeld()
    {
        if (_held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
            _heldCount = 0;
        }
    }

    private bool Flush(int destination, ITcpRelayEnds owner, bool toPeer)
    {
        byte[] held = _held!;
        int offset = _heldOffset, count = _heldCount;
        _heldCount = 0;
        return Send(destination, held, offset, count, owner, toPeer);
    }

    /// <summary>Sends without blocking; what the socket does not take is held. False on an error.</summary>
    private bool Send(int destination, byte[] data, int offset, int count, ITcpRelayEnds owner, bool toPeer)
    {
        while (count > 0)
        {
            nint sent;
            fixed (byte* p = data)
            {
                sent = LinuxNative.Send(destination, p + offset, count, LinuxNative.MsgDontWait | LinuxNative.MsgNoSignal);
            }
            if (sent < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr)
                {
                    continue;
                }
                if (errno != LinuxNative.EAgain)
                {
                    return false;
                }
                Hold(data, offset, count);
                return true;
            }
            owner.Relayed((int)sent, toPeer);
            offset += (int)sent;
            count -= (int)sent;
        }
        if (_heldCount == 0 && _held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
        }
        return true;
    }

    private void Hold(byte[] data, int offset, int count)
    {
        if (ReferenceEquals(data, _held))
        {
            _heldOffset = offset; // what is left of the held bytes
        }
        else
        {
            _held ??= ArrayPool<byte>.Shared.Rent(TcpRelayLoop.ChunkBytes);
            data.AsSpan(offset, count).CopyTo(_held); // from the loop's buffer: at most one read, ≤ 64 KB
            _heldOffset = 0;
        }
        _heldCount = count;
    }
}
