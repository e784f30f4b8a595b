namespace RtcStack.Sctp.DataChannels;

/// <summary>SCTP Payload Protocol Identifiers for WebRTC (RFC 8831 §8, RFC 8832 §8.1).</summary>
internal static class PayloadProtocol
{
    public const uint Dcep = 50;
    public const uint String = 51;
    public const uint BinaryPartialDeprecated = 52;
    public const uint Binary = 53;
    public const uint StringPartialDeprecated = 54;
    public const uint StringEmpty = 56;
    public const uint BinaryEmpty = 57;
}
