using System.Security.Cryptography;
using System.Text;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// A made-up credential for a user that does not exist, so a SASL exchange for an unknown name goes the same way and
/// takes the same work as one with a wrong password (RFC 5802 section 5.1: do not reveal which names exist). The salt
/// is the same for a name for as long as this process runs, as a real user's would be; no password matches it.
/// </summary>
internal static class UnknownUserCredentials
{
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);

    public static ScramCredential For(string mechanism, string user)
    {
        var salt = HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(mechanism + "\0" + user));
        var keyLength = Scram.HashOf(mechanism) == HashAlgorithmName.SHA256 ? 32 : 64;
        return new ScramCredential(mechanism, salt, ScramCredential.DefaultIterations, RandomNumberGenerator.GetBytes(keyLength), RandomNumberGenerator.GetBytes(keyLength));
    }
}
