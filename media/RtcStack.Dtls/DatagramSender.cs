namespace RtcStack.Dtls;

/// <summary>Sends one datagram to the remote peer (through ICE's selected 5-tuple). Must not throw.</summary>
public delegate void DtlsDatagramSender(ReadOnlySpan<byte> datagram);

/// <summary>Receives one decrypted DTLS application_data record (for SCTP, RFC 8261).</summary>
public delegate void DtlsApplicationDataHandler(ReadOnlySpan<byte> data);
