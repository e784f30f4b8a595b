using System.Buffers.Binary;

namespace RtcStack.Turn.Transport;

/// <summary>The TLS record path on the poller thread: whole records cut from the ciphertext, decrypted synchronously.</summary>
internal sealed partial class StreamPollReader
{
    private const string CloseNotify = "close_notify";

    /// <summary>Plaintext one record carries at most (RFC 8446 §5.1, RFC 5246 §6.2.1: 2^14 bytes).</summary>
    private const int MaxPlainRecord = 1 << 14;

    /// <summary>
    /// Records decrypted at most before their frames are processed: a peer send batch's worth (one sendmmsg), so that
    /// a burst of small records does not hold its first frame back for the decryption of the whole burst.
    /// </summary>
    private const int RecordsPerProcess = 32;

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
        int records = WholeRecords(cipher.AsSpan(0, filled), out bool bad);
        _cipher.Keep(cipher.AsSpan(records, filled - records));
        if (records > 0)
        {
            Decrypt(cipher, records, scratch); // the records before a bad header count as if it had not come
        }
        if (bad)
        {
            // No effect once the reading ended (a data connection's relay reads the bad bytes and fails on them there).
            End(StreamPollOutcome.Closed, "not a TLS record");
        }
    }

    /// <summary>
    /// Has the SslStream read the whole records fed to the capture, one after the other into the plaintext buffer, and
    /// processes their frames together: the ChannelData of every record of a wake-up leave in one sendmmsg per relay
    /// (processing each record alone flushed the peer batch per record: one system call per frame when a client
    /// writes one frame per record, as browsers and coturn's clients do). Only the SslStream's reads are caught here:
    /// a frame whose processing throws leaves through the poller (logged, connection closed), as on plain TCP, and
    /// is never processed again.
    /// </summary>
    private void Decrypt(byte[] cipher, int records, StreamPollScratch scratch)
    {
        TlsRecordCapture capture = _capture!;
        capture.Feed(cipher, records);
        byte[] plain = scratch.Plain;
        int filled = _partial.MoveTo(plain);
        try
        {
            string? ending = ReadRecords(capture, plain, ref filled, scratch.Ingress, out bool left);
            // the frames of the records read before an ending are relayed as they were before it
            if (left || !ProcessPlain(plain, ref filled, scratch.Ingress))
            {
                // A data connection leaves with what followed its ConnectionBind (Early) even when the client's TLS failed
                // behind it: the owner relays that to the peer, then closes (the failure is the reason it gives). Any other
                // connection ended for the reason processing gave (unframeable data): that one stays the logged reason.
                if (ending is not null && ending != CloseNotify && _connection.IsDataConnection)
                {
                    Reason = ending;
                    TlsFailed = true;
                }
                return;
            }
            if (ending is not null)
            {
                End(StreamPollOutcome.Closed, ending);
                return;
            }
            AfterFrames(plain, 0, filled);
        }
        finally
        {
            capture.EndFeed();
        }
    }

    /// <summary>
    /// Decrypts the fed records behind the plaintext in <paramref name="plain"/>, processing it first when the next
    /// record might not fit or <see cref="RecordsPerProcess"/> records wait. Returns why the connection ends (close_notify, a TLS failure), or null;
    /// <paramref name="left"/> when processing already ended the reading.
    /// </summary>
    private string? ReadRecords(TlsRecordCapture capture, byte[] plain, ref int filled, IngressState ingress, out bool left)
    {
        left = false;
        bool data = false;
        int unprocessed = 0;
        while (capture.HasRecords)
        {
            if (plain.Length - filled < MaxPlainRecord || unprocessed == RecordsPerProcess)
            {
                unprocessed = 0;
                if (!ProcessPlain(plain, ref filled, ingress))
                {
                    left = true;
                    return null;
                }
            }
            int read = ReadRecord(capture, plain, filled, out string? ending);
            if (read <= 0)
            {
                // no data in the last record (KeyUpdate, an empty record): a few such wake-ups in a row are allowed
                return ending ?? (!data && ++_emptyWakeups > MaxEmptyWakeups ? "TLS records without data" : null);
            }
            data = true;
            _emptyWakeups = 0;
            filled += read;
            unprocessed++;
        }
        return null;
    }

    /// <summary>
    /// One synchronous SslStream read into <paramref name="plain"/> at <paramref name="filled"/>: the bytes read, or 0 with
    /// the <paramref name="ending"/> (close_notify, a TLS failure), or 0 and no ending when the fed records ran out after
    /// one that carried no data (the capture throws then: a client sending only such records costs a throw per wake-up).
    /// </summary>
    private int ReadRecord(TlsRecordCapture capture, byte[] plain, int filled, out string? ending)
    {
        ending = null;
        try
        {
            int read = _tls!.Read(plain, filled, plain.Length - filled);
            if (read == 0)
            {
                ending = CloseNotify;
            }
            return read;
        }
        catch (IOException) when (capture.Starved)
        {
            return 0;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException
            or InvalidOperationException or ObjectDisposedException or NotSupportedException)
        {
            ending = "TLS: " + ex.GetType().Name;
            return 0;
        }
    }

    /// <summary>
    /// Processes the complete frames of <paramref name="plain"/> and keeps the partial tail at its start; false when the
    /// reading ended (unframeable data, or the connection became an RFC 6062 data connection and leaves the poller).
    /// </summary>
    private bool ProcessPlain(byte[] plain, ref int filled, IngressState ingress)
    {
        if (filled == 0)
        {
            return true;
        }
        int consumed = _connection.ProcessRead(plain, filled, ingress);
        if (consumed < 0 || _connection.IsDataConnection)
        {
            if (consumed >= 0)
            {
                _capture!.KeepUnread(_cipher.Span); // the data relay reads these first, then the socket through .NET
            }
            _cipher.Release();
            AfterFrames(plain, consumed, filled);
            return false;
        }
        plain.AsSpan(consumed, filled - consumed).CopyTo(plain);
        filled -= consumed;
        return true;
    }

    /// <summary>Bytes of whole TLS records at the start of <paramref name="bytes"/>; <paramref name="bad"/> when a header after them is not one.</summary>
    private static int WholeRecords(ReadOnlySpan<byte> bytes, out bool bad)
    {
        bad = false;
        int offset = 0;
        while (bytes.Length - offset >= 5)
        {
            byte type = bytes[offset];
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 3)..]);
            if (type is < 20 or > 24 || bytes[offset + 1] != 3 || 5 + length > StreamPollScratch.MaxRecord)
            {
                bad = true;
                break;
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
