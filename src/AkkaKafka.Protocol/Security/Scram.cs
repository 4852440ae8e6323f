using System.Security.Cryptography;
using System.Text;

namespace AkkaKafka.Protocol.Security;

/// <summary>The SASL mechanisms the Kafka listener offers, spelled as Kafka clients name them.</summary>
public static class SaslMechanisms
{
    public const string Plain = "PLAIN";
    public const string ScramSha256 = "SCRAM-SHA-256";
    public const string ScramSha512 = "SCRAM-SHA-512";

    public static readonly IReadOnlyList<string> Scram = [ScramSha256, ScramSha512];
    public static readonly IReadOnlyList<string> All = [ScramSha256, ScramSha512, Plain];
}

/// <summary>
/// A user's salted SCRAM credential for one mechanism (RFC 5802, 7677): what the controller stores and replicates.
/// The password itself is never stored nor sent to a broker; whoever knows only this cannot log in as the user
/// (StoredKey is a hash of the key a client proves it knows).
/// </summary>
public sealed record ScramCredential(string Mechanism, byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>Kafka's default and minimum iteration count for SCRAM credentials.</summary>
    public const int DefaultIterations = 4096;

    /// <summary>Derives the credential of <paramref name="password"/> with a fresh random salt (the CLI does this, not the broker).</summary>
    public static ScramCredential Create(string mechanism, string password, int iterations = DefaultIterations, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(32);
        return FromSaltedPassword(mechanism, salt, iterations, Scram.SaltedPassword(mechanism, password, salt, iterations));
    }

    /// <summary>The credential of a salted password (Hi(password, salt, i)), as Kafka's AlterUserScramCredentials carries it.</summary>
    public static ScramCredential FromSaltedPassword(string mechanism, byte[] salt, int iterations, byte[] salted)
    {
        var clientKey = Scram.Hmac(mechanism, salted, "Client Key"u8);
        var serverKey = Scram.Hmac(mechanism, salted, "Server Key"u8);
        return new ScramCredential(mechanism, salt, iterations, Scram.Hash(mechanism, clientKey), serverKey);
    }

    /// <summary>Whether <paramref name="password"/> is this credential's password (SASL/PLAIN checks a password this way), in constant time.</summary>
    public bool Verifies(string password)
    {
        var salted = Scram.SaltedPassword(Mechanism, password, Salt, Iterations);
        var storedKey = Scram.Hash(Mechanism, Scram.Hmac(Mechanism, salted, "Client Key"u8));
        return CryptographicOperations.FixedTimeEquals(storedKey, StoredKey);
    }
}

/// <summary>SCRAM's primitives for SHA-256 and SHA-512 (RFC 5802 section 2.2), on the framework's own cryptography.</summary>
public static class Scram
{
    public static HashAlgorithmName HashOf(string mechanism) => mechanism switch
    {
        SaslMechanisms.ScramSha256 => HashAlgorithmName.SHA256,
        SaslMechanisms.ScramSha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentException($"not a SCRAM mechanism: {mechanism}", nameof(mechanism)),
    };

    /// <summary>Hi(Normalize(password), salt, i): PBKDF2 with the mechanism's HMAC. Passwords are used as UTF-8, as Kafka does (no SASLprep).</summary>
    public static byte[] SaltedPassword(string mechanism, string password, byte[] salt, int iterations)
    {
        var hash = HashOf(mechanism);
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, hash == HashAlgorithmName.SHA256 ? 32 : 64);
    }

    public static byte[] Hmac(string mechanism, byte[] key, ReadOnlySpan<byte> data) =>
        HashOf(mechanism) == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public static byte[] Hash(string mechanism, byte[] data) =>
        HashOf(mechanism) == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);
}
