namespace RtcStack.Dtls;

/// <summary>
/// The SRTP master keys exported from a finished DTLS handshake (RFC 5764 §4.2): the exporter output is
/// client_key | server_key | client_salt | server_salt; "local" is the half we protect with.
/// </summary>
public sealed record SrtpKeyingMaterial(
    DtlsSrtpProfile Profile,
    ReadOnlyMemory<byte> LocalMasterKey,
    ReadOnlyMemory<byte> LocalMasterSalt,
    ReadOnlyMemory<byte> RemoteMasterKey,
    ReadOnlyMemory<byte> RemoteMasterSalt)
{
    /// <summary>Master key length for a profile.</summary>
    public static int KeyLength(DtlsSrtpProfile profile) => 16;

    /// <summary>Master salt length for a profile.</summary>
    public static int SaltLength(DtlsSrtpProfile profile) => profile == DtlsSrtpProfile.AeadAes128Gcm ? 12 : 14;

    /// <summary>Splits exporter output for our role.</summary>
    public static SrtpKeyingMaterial Split(DtlsSrtpProfile profile, ReadOnlySpan<byte> exported, DtlsRole role)
    {
        int k = KeyLength(profile), s = SaltLength(profile);
        if (exported.Length != 2 * (k + s))
        {
            throw new ArgumentException("exporter output has the wrong length", nameof(exported));
        }
        var clientKey = exported[..k].ToArray();
        var serverKey = exported.Slice(k, k).ToArray();
        var clientSalt = exported.Slice(2 * k, s).ToArray();
        var serverSalt = exported.Slice((2 * k) + s, s).ToArray();
        return role == DtlsRole.Client
            ? new SrtpKeyingMaterial(profile, clientKey, clientSalt, serverKey, serverSalt)
            : new SrtpKeyingMaterial(profile, serverKey, serverSalt, clientKey, clientSalt);
    }
}
