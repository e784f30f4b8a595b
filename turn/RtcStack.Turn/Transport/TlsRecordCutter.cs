namespace RtcStack.Turn.Transport;

/// <summary>
/// Follows a stream of TLS records (5-byte header, length at offset 3; RFC 8446 §5.1) across reads and says where the
/// record under way ends, so that a reader can hand an SslStream at most one record at a time: SslStream decrypts
/// every whole record it holds in one read and throws at a bad one, losing the data of the good ones before it.
/// </summary>
internal struct TlsRecordCutter
{
    private int _left; // bytes of the current record not seen yet (header included); 0 at a record boundary
    private int _header; // bytes of the current record's header seen so far (0-5)
    private byte _lengthHigh;

    /// <summary>
    /// Reads <paramref name="bytes"/> (what follows the bytes given before) as records and returns how many of them
    /// belong to records up to the first one that ends in them (all when none ends in them). The rest is the caller's
    /// to give again later.
    /// </summary>
    internal int Take(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (_header < 5)
            {
                if (_header == 3)
                {
                    _lengthHigh = bytes[offset];
                }
                else if (_header == 4)
                {
                    _left = (_lengthHigh << 8) | bytes[offset]; // the body still to come
                }
                _header++;
                offset++;
                if (_header == 5 && _left == 0)
                {
                    _header = 0; // an empty record ends with its header
                    return offset;
                }
                continue;
            }
            int body = Math.Min(_left, bytes.Length - offset);
            offset += body;
            _left -= body;
            if (_left == 0)
            {
                _header = 0;
                return offset;
            }
        }
        return offset;
    }

    /// <summary>Starts at a record boundary.</summary>
    internal void Reset() => this = default;
}
