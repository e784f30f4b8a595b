namespace RtcStack.Sctp.Packets;

/// <summary>Outcome of parsing an SCTP packet, chunk or parameter. Bad input is a value, never an exception.</summary>
internal enum SctpReadResult
{
    Ok,
    TooShort,
    BadChecksum,
    BadChunkLength,
    BadParameterLength,
    NoChunks,
    BadValue,
}
