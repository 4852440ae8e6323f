using System.Text;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// SASL/PLAIN (RFC 4616) in one step: "authzid NUL authcid NUL password". The password is checked against the
/// user's stored SCRAM credential (SCRAM-SHA-256, else SCRAM-SHA-512), so the broker never holds a password.
/// An unknown user costs the same key derivation as a wrong password and gets the same answer.
/// </summary>
public sealed class PlainServer(Func<string, UserCredentials?> users) : ISaslServer
{
    /// <summary>Kafka's message for either a wrong password or an unknown user: it must not say which.</summary>
    public const string InvalidCredentials = "Authentication failed: Invalid username or password";

    private bool _done;

    public string Mechanism => SaslMechanisms.Plain;

    public string? User { get; private set; }

    public SaslStep Evaluate(ReadOnlySpan<byte> clientToken)
    {
        if (_done) return SaslStep.Failed("Authentication failed: PLAIN takes exactly one token");
        _done = true;
        string message;
        try
        {
            message = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(clientToken);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Failed("Authentication failed: the PLAIN token is not UTF-8");
        }
        var parts = message.Split('\0');
        if (parts.Length != 3) return SaslStep.Failed("Authentication failed: the PLAIN token must be authzid NUL username NUL password");
        var (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
        if (user.Length == 0) return SaslStep.Failed("Authentication failed: username not specified");
        User = user;
        if (password.Length == 0) return SaslStep.Failed("Authentication failed: password not specified");
        if (authorizationId.Length > 0 && authorizationId != user)
            return SaslStep.Failed("Authentication failed: Client requested an authorization id that is different from username");

        var credential = users(user) is { } known ? known.For(SaslMechanisms.ScramSha256) ?? known.For(SaslMechanisms.ScramSha512) : null;
        var verified = (credential ?? UnknownUserCredentials.For(SaslMechanisms.ScramSha256, user)).Verifies(password);
        return verified && credential is not null ? SaslStep.Succeeded(user, []) : SaslStep.Failed(InvalidCredentials);
    }
}
