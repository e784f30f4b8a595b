using System.Buffers.Binary;

namespace RtcStack.Turn.Transport;

/// <summary>The TLS record path on the poller thread: whole records cut from the ciphertext, decrypted synchronously.</summary>
internal sealed partial class StreamPollReader
{
    private void ReadTls(StreamPollScratch scratch)
    {
        byte[] cipher = scratch.Read;
        int filled = _cipher.MoveTo(cipher);
        int read = Receive(cipher.AsSpan(filled, StreamPollScratch.ReadSize));
        if (read <= 0)
        {
            _cipher.Keep(cipher.AsSpan(0, filled));
            if (read == 0)
            {
                End(StreamPollOutcome.Closed, "closed by client without close_notify");
            }
            return;
        }
        filled += read;
        int records = WholeRecords(cipher.AsSpan(0, filled));
        if (records < 0)
        {
            End(StreamPollOutcome.Closed, "not a TLS record");
            return;
        }
        _cipher.Keep(cipher.AsSpan(records, filled - records));
        if (records > 0)
        {
            Decrypt(cipher, records, scratch);
        }
    }

    /// <summary>Has the SslStream read the whole records fed to the capture and processes the plaintext's frames.</summary>
    private void Decrypt(byte[] cipher, int records, StreamPollScratch scratch)
    {
        TlsRecordCapture capture = _capture!;
        capture.Feed(cipher, records);
        byte[] plain = scratch.Plain;
        int filled = _partial.MoveTo(plain);
        bool data = false;
        try
        {
            while (capture.HasRecords)
            {
                int read;
                try
                {
                    read = _tls!.Read(plain, filled, plain.Length - filled);
                }
                catch (IOException) when (capture.Starved)
                {
                    // The last record carried no data (KeyUpdate, an empty record): nothing more to read now. A client
                    // sending only such records would cost a throw per wake-up: a few in a row are allowed, then it closes.
                    if (!data && ++_emptyWakeups > MaxEmptyWakeups)
                    {
                        End(StreamPollOutcome.Closed, "TLS records without data");
                        return;
                    }
                    break;
                }
                if (read == 0)
                {
                    End(StreamPollOutcome.Closed, "close_notify");
                    return;
                }
                data = true;
                _emptyWakeups = 0;
                filled += read;
                int consumed = _connection.ProcessRead(plain, filled, scratch.Ingress);
                if (consumed < 0 || _connection.IsDataConnection)
                {
                    if (consumed >= 0)
                    {
                        capture.KeepUnread(_cipher.Span); // the data relay reads these first, then the socket through .NET
                    }
                    _cipher.Release();
                    AfterFrames(plain, consumed, filled);
                    return;
                }
                plain.AsSpan(consumed, filled - consumed).CopyTo(plain);
                filled -= consumed;
            }
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException
            or InvalidOperationException or ObjectDisposedException or NotSupportedException)
        {
            End(StreamPollOutcome.Closed, "TLS: " + ex.GetType().Name);
            return;
        }
        finally
        {
            capture.EndFeed();
        }
        AfterFrames(plain, 0, filled);
    }

    /// <summary>Bytes of <paramref name="bytes"/> that are whole TLS records, or -1 when a header is not one.</summary>
    private static int WholeRecords(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (bytes.Length - offset >= 5)
        {
            byte type = bytes[offset];
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 3)..]);
            if (type is < 20 or > 24 || bytes[offset + 1] != 3 || 5 + length > StreamPollScratch.MaxRecord)
            {
                return -1;
            }
            if (offset + 5 + length > bytes.Length)
            {
                break;
            }
            offset += 5 + length;
        }
        return offset;
    }
}
