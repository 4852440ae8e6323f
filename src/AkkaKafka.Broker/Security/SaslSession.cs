using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// One Kafka connection's SASL state, as Kafka's SaslServerAuthenticator keeps it: before authentication only
/// ApiVersions, SaslHandshake and SaslAuthenticate are served, in that order; a handshake naming a mechanism that is
/// not enabled is answered UNSUPPORTED_SASL_MECHANISM (with the enabled ones) and the connection closes; a failed
/// exchange is answered SASL_AUTHENTICATION_FAILED with the reason and closes; a SASL request out of order is
/// answered ILLEGAL_SASL_STATE and closes. Anything else before authentication closes the connection unanswered.
/// Pure: fed the decoded requests in the order they arrived (the connection's read loop), no I/O.
/// </summary>
public sealed class SaslSession(IReadOnlyList<string> enabledMechanisms, Func<string, UserCredentials?> users)
{
    private enum State { Handshake, Authenticate, Authenticated }

    /// <summary>What to do with one request: answer it with <paramref name="Response"/> (null: serve it as usual), then close or not.</summary>
    public readonly record struct Verdict(IKafkaResponse? Response, bool Close)
    {
        public static readonly Verdict Serve = new(null, false);
        public static readonly Verdict CloseUnanswered = new(null, true);
    }

    private State _state = State.Handshake;
    private ISaslServer? _server;

    /// <summary>Who the client is once authenticated; null before.</summary>
    public string? User { get; private set; }

    public bool IsAuthenticated => _state == State.Authenticated;

    /// <summary>The user the client claimed in the SASL exchange so far (authenticated or not); null when it named none.</summary>
    public string? ClaimedUser => _server?.User;

    /// <summary>The SASL answer to a request on a listener without SASL: Kafka answers ILLEGAL_SASL_STATE and serves on.</summary>
    public static IKafkaResponse? WithoutSasl(IKafkaRequest request) => request switch
    {
        SaslHandshakeRequestData => new SaslHandshakeResponseData(ErrorCode.IllegalSaslState, []),
        SaslAuthenticateRequestData => new SaslAuthenticateResponseData(ErrorCode.IllegalSaslState, "SASL is not enabled on this listener", ReadOnlyMemory<byte>.Empty),
        _ => null,
    };

    public Verdict Handle(IKafkaRequest request)
    {
        switch (_state, request)
        {
            case (State.Authenticated, SaslHandshakeRequestData or SaslAuthenticateRequestData):
                // Re-authentication (KIP-368) is not offered (sessions do not expire): answered, the session goes on.
                return new Verdict(IllegalState(request, "the connection is already authenticated"), Close: false);
            case (State.Authenticated, _):
                return Verdict.Serve;
            case (_, ApiVersionsRequestData) when _state == State.Handshake:
                return Verdict.Serve;
            case (State.Handshake, SaslHandshakeRequestData handshake):
                return Handshake(handshake.Mechanism);
            case (State.Authenticate, SaslAuthenticateRequestData authenticate):
                return Authenticate(authenticate.AuthBytes.Span);
            case (_, SaslHandshakeRequestData or SaslAuthenticateRequestData):
                return new Verdict(IllegalState(request, $"unexpected {request.ApiKey} request during SASL {(_state == State.Handshake ? "handshake" : "authentication")}"), Close: true);
            default:
                return Verdict.CloseUnanswered;
        }
    }

    private Verdict Handshake(string mechanism)
    {
        if (!enabledMechanisms.Contains(mechanism, StringComparer.Ordinal))
            return new Verdict(new SaslHandshakeResponseData(ErrorCode.UnsupportedSaslMechanism, enabledMechanisms), Close: true);
        _server = mechanism == SaslMechanisms.Plain ? new PlainServer(users) : new ScramServer(mechanism, users);
        _state = State.Authenticate;
        return new Verdict(new SaslHandshakeResponseData(ErrorCode.None, enabledMechanisms), Close: false);
    }

    private Verdict Authenticate(ReadOnlySpan<byte> token)
    {
        var step = _server!.Evaluate(token);
        if (step.IsFailed)
            return new Verdict(new SaslAuthenticateResponseData(ErrorCode.SaslAuthenticationFailed, step.Failure, ReadOnlyMemory<byte>.Empty), Close: true);
        if (step.IsComplete)
        {
            User = step.User;
            _state = State.Authenticated;
        }
        return new Verdict(new SaslAuthenticateResponseData(ErrorCode.None, null, step.Response), Close: false);
    }

    private static IKafkaResponse IllegalState(IKafkaRequest request, string message) => request is SaslHandshakeRequestData
        ? new SaslHandshakeResponseData(ErrorCode.IllegalSaslState, [])
        : new SaslAuthenticateResponseData(ErrorCode.IllegalSaslState, message, ReadOnlyMemory<byte>.Empty);
}
