using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;

namespace RtcStack.Server.Engine;

/// <summary>
/// Turns the bytes of one client connection into messages (<see cref="InboundQueue"/>) and control frames (RFC 6455
/// sections 5.4, 5.5): data payloads are unmasked straight from the receive buffer into the queue as they arrive, so a
/// frame is never buffered twice; only a partial header or a partial control frame (at most 139 bytes) is kept between
/// reads. Pings are answered with pongs; a close frame ends decoding; any violation answers a close frame with 1002,
/// 1007 or 1009 and ends the connection. Called under the socket's lock.
/// </summary>
internal sealed class FrameDecoder(EpollWebSocket socket, InboundQueue messages)
{
    private const int ProtocolError = 1002;
    private const int InvalidPayload = 1007;
    private const int MessageTooBig = 1009;
    private byte[]? _leftover;
    private int _leftoverLength;
    private long _remaining;
    private long _offset;
    private uint _mask;
    private bool _fin;

    /// <summary>No more input is decoded: a close frame arrived, the connection failed or the peer went away.</summary>
    public bool Finished { get; private set; }

    /// <summary>Why the connection failed, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>Moves the bytes kept from the last read to the start of <paramref name="scratch"/>; returns their count.</summary>
    public int TakeLeftover(Span<byte> scratch)
    {
        int n = _leftoverLength;
        if (n > 0)
        {
            _leftover.AsSpan(0, n).CopyTo(scratch);
            _leftoverLength = 0;
        }
        return n;
    }

    public void KeepLeftover(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            _leftover = null;
            return;
        }
        _leftover ??= new byte[WebSocketFrameReader.MaxControlFrame];
        bytes.CopyTo(_leftover);
        _leftoverLength = bytes.Length;
    }

    /// <summary>The peer is gone (end of stream or a socket error), or the server failed the connection.</summary>
    public void Fail(string? error)
    {
        if (!Finished)
        {
            Finished = true;
            Error ??= error;
        }
    }

    public void Decode(ReadOnlySpan<byte> data)
    {
        while (!Finished)
        {
            if (_remaining > 0)
            {
                int take = (int)Math.Min(data.Length, _remaining);
                messages.Append(data[..take], _mask, _offset);
                _offset += take;
                _remaining -= take;
                data = data[take..];
                if (_remaining > 0)
                {
                    return;
                }
                EndDataFrame();
                continue;
            }
            if (data.IsEmpty)
            {
                KeepLeftover(default);
                return;
            }
            FrameReadResult result = WebSocketFrameReader.TryRead(data, out WebSocketFrameHeader header);
            if (result == FrameReadResult.Incomplete || (result == FrameReadResult.Ok && header.IsControl && data.Length < header.HeaderLength + header.PayloadLength))
            {
                KeepLeftover(data);
                return;
            }
            if (result != FrameReadResult.Ok)
            {
                Violation(result == FrameReadResult.TooLong ? MessageTooBig : ProtocolError, "Invalid frame: " + result);
                return;
            }
            data = data[header.HeaderLength..];
            if (header.IsControl)
            {
                int length = (int)header.PayloadLength;
                OnControl(header, data[..length]);
                data = data[length..];
                continue;
            }
            if ((header.Opcode == WebSocketFrameHeader.Continuation) != messages.InMessage)
            {
                Violation(ProtocolError, messages.InMessage ? "A new message began inside a fragmented one." : "A continuation frame without a message.");
                return;
            }
            if ((messages.InMessage ? messages.OpenLength : 0) + header.PayloadLength > messages.MaxMessage)
            {
                // Refused before its payload is read: a huge frame or endless continuations are not read on (RFC 6455 7.4.1).
                Violation(MessageTooBig, "The message is longer than " + messages.MaxMessage + " bytes.");
                return;
            }
            if (!messages.InMessage)
            {
                messages.Begin(header.Opcode);
            }
            (_remaining, _offset, _mask, _fin) = (header.PayloadLength, 0, header.MaskKey, header.Fin);
            if (_remaining == 0)
            {
                EndDataFrame();
            }
        }
    }

    private void EndDataFrame()
    {
        if (_fin && !messages.End())
        {
            Violation(InvalidPayload, "The message is not valid UTF-8.");
        }
    }

    private void OnControl(WebSocketFrameHeader header, ReadOnlySpan<byte> masked)
    {
        Span<byte> payload = stackalloc byte[masked.Length];
        WebSocketFrameReader.Unmask(masked, payload, header.MaskKey, 0);
        switch (header.Opcode)
        {
            case WebSocketFrameHeader.Ping:
                socket.AppendControl(WebSocketFrameHeader.Pong, payload);
                break;
            case WebSocketFrameHeader.Close:
                OnClose(payload);
                break;
        }
    }

    /// <summary>RFC 6455 section 5.5.1: an optional 2-byte code, then a UTF-8 reason.</summary>
    private void OnClose(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            socket.OnCloseFrame(WebSocketCloseStatus.Empty, null);
            Finished = true;
            return;
        }
        int code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 0;
        if (payload.Length == 1 || !IsValidCloseCode(code))
        {
            Violation(ProtocolError, "Invalid close frame.");
            return;
        }
        if (!Utf8.IsValid(payload[2..]))
        {
            Violation(InvalidPayload, "The close reason is not valid UTF-8.");
            return;
        }
        socket.OnCloseFrame((WebSocketCloseStatus)code, payload.Length > 2 ? Encoding.UTF8.GetString(payload[2..]) : null);
        Finished = true;
    }

    /// <summary>The codes a peer may send (RFC 6455 section 7.4), as ManagedWebSocket accepts them.</summary>
    private static bool IsValidCloseCode(int code) => code switch
    {
        < 1000 or >= 5000 => false,
        >= 3000 => true,
        1000 or 1001 or 1002 or 1003 or 1007 or 1008 or 1009 or 1010 or 1011 or 1012 or 1013 or 1014 => true,
        _ => false,
    };

    private void Violation(int code, string error)
    {
        Fail(error);
        socket.OnProtocolError(code);
    }
}
