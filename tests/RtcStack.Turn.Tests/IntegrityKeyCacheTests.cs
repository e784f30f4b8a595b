using System.Security.Cryptography;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests;

/// <summary>
/// MESSAGE-INTEGRITY(-SHA256) keep the last key's HMAC per thread: alternating keys and algorithms on one thread
/// must still give exactly the HMAC of each message under its own key.
/// </summary>
public sealed class IntegrityKeyCacheTests
{
    [Fact]
    public void Alternating_keys_and_algorithms_sign_and_verify_as_one_shot_hmacs_do()
    {
        byte[][] keys = [StunCredentials.ComputeLongTermKey("alice", "r", "one"), StunCredentials.ComputeLongTermKey("bob", "r", "two"), [1, 2, 3]];
        for (int round = 0; round < 24; round++)
        {
            byte[] key = keys[round % 3];
            byte[] other = keys[(round + 1) % 3];
            bool sha256 = round % 4 >= 2;
            byte[] buffer = new byte[256];
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
            writer.AddSoftware($"round {round}");
            if (sha256)
            {
                writer.AddMessageIntegritySha256(key);
            }
            else
            {
                writer.AddMessageIntegrity(key);
            }
            Assert.True(writer.TryComplete(out int length));
            byte[] message = buffer[..length];
            int macLength = sha256 ? 32 : 20;
            byte[] expected = sha256 ? HMACSHA256.HashData(key, message[..^(macLength + 4)]) : HMACSHA1.HashData(key, message[..^(macLength + 4)]);
            Assert.Equal(expected, message[^macLength..]);
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader reader));
            Assert.False(sha256 ? reader.VerifyMessageIntegritySha256(other) : reader.VerifyMessageIntegrity(other));
            Assert.True(sha256 ? reader.VerifyMessageIntegritySha256(key) : reader.VerifyMessageIntegrity(key));
        }
    }
}
