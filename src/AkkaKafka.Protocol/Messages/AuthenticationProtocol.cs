namespace AkkaKafka.Protocol.Messages;

// ---- Akka clients as users (BrokerActor), when akkakafka.security.enabled is on ----

/// <summary>
/// A client's first request: its user name and password, sent over TLS remoting as SASL/PLAIN sends them over TLS;
/// the broker checks the password against the user's salted SCRAM credential and keeps nothing of it. Answered with
/// <see cref="Authenticated"/>. It is not a controller command: any broker can check it from its copy of the users.
/// </summary>
public sealed record Authenticate(string User, string Password) : IBrokerCommand
{
    // Records print their members; a password must never reach a log line.
    public override string ToString() => $"Authenticate {{ User = {User} }}";
}

/// <summary>
/// The outcome of <see cref="Authenticate"/>: on success a session token every broker accepts for this user (see
/// <see cref="Security.SessionTokens"/>), else SASL_AUTHENTICATION_FAILED and why. With security off the token is
/// empty and requests need no wrapping.
/// </summary>
public sealed record Authenticated(ErrorCode Error, string Message, string Token) : IAkkaKafkaMessage
{
    public bool IsSuccess => Error == ErrorCode.None;
    public override string ToString() => $"Authenticated {{ Error = {Error}, Message = {Message} }}";
}

/// <summary>
/// A request made as <see cref="User"/>: every request of an authenticated client carries its session token, and the
/// broker authorizes <see cref="Request"/> (a broker command, or a <see cref="KafkaRequestFrame"/> sent straight to a
/// partition's owner, by the Kafka listener's rules) with the ACLs before it handles it as usual.
/// </summary>
public sealed record AsUser(string User, string Token, IAkkaKafkaMessage Request) : IBrokerCommand
{
    public override string ToString() => $"AsUser {{ User = {User}, Request = {Request} }}";
}

/// <summary>
/// The answer to a request refused before it was handled (no or a bad session, or the ACLs deny it), when the
/// request has no answer type of its own that carries an error: SASL_AUTHENTICATION_FAILED, or TOPIC_/GROUP_/
/// CLUSTER_AUTHORIZATION_FAILED, and one line saying why.
/// </summary>
public sealed record RequestRefused(ErrorCode Error, string Message) : IAkkaKafkaMessage;
