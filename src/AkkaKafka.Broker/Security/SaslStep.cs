namespace AkkaKafka.Broker.Security;

/// <summary>
/// What a SASL server makes of one client token: a challenge to send and wait for the next token, the end of a
/// successful exchange (with the server's last token, possibly empty, and who the client is), or a failure with the
/// message Kafka clients show their user.
/// </summary>
public sealed record SaslStep
{
    private SaslStep(byte[] response, string? user, string? failure)
    {
        Response = response;
        User = user;
        Failure = failure;
    }

    /// <summary>The server's token for the client (empty after a failure and when the mechanism has none).</summary>
    public byte[] Response { get; }

    /// <summary>The authenticated user, once the exchange has succeeded.</summary>
    public string? User { get; }

    public string? Failure { get; }

    public bool IsComplete => User is not null;
    public bool IsFailed => Failure is not null;

    public static SaslStep Challenge(byte[] token) => new(token, null, null);
    public static SaslStep Succeeded(string user, byte[] token) => new(token, user, null);
    public static SaslStep Failed(string message) => new([], null, message);
}

/// <summary>The server side of one SASL mechanism for one connection: fed the client's tokens in order.</summary>
public interface ISaslServer
{
    string Mechanism { get; }

    /// <summary>The user the client claims to be, once its first token named one; null before (the failed-login count needs it).</summary>
    string? User { get; }

    SaslStep Evaluate(ReadOnlySpan<byte> clientToken);
}
