namespace RtcStack.Sctp.Association;

/// <summary>Serial number arithmetic for TSNs (32-bit) and SSNs (16-bit), RFC 9260 §1.6 / RFC 1982.</summary>
internal static class SerialNumber
{
    public static bool Lt(uint a, uint b) => (int)(a - b) < 0;

    public static bool Le(uint a, uint b) => (int)(a - b) <= 0;

    public static bool Gt(uint a, uint b) => (int)(a - b) > 0;

    public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;

    public static bool Lt(ushort a, ushort b) => (short)(a - b) < 0;

    public static bool Le(ushort a, ushort b) => (short)(a - b) <= 0;

    /// <summary>Comparer for sets of TSNs that all lie within 2^31 of each other.</summary>
    public static IComparer<uint> TsnComparer { get; } = Comparer<uint>.Create(static (a, b) => (int)(a - b));
}
