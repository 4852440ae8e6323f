using System.Text;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

[Trait("Speed", "Fast")]
public sealed class SaslSessionSpecs
{
    private static readonly UserCredentials Alice = new("alice",
        [ScramCredential.Create(SaslMechanisms.ScramSha256, "s3cret"), ScramCredential.Create(SaslMechanisms.ScramSha512, "s3cret")]);

    private static SaslSession Session(params string[] mechanisms) =>
        new(mechanisms.Length == 0 ? SaslMechanisms.All : mechanisms, name => name == "alice" ? Alice : null);

    private static readonly MetadataRequestData Metadata = new(null, AllowAutoTopicCreation: false);

    [Fact]
    public void Before_authentication_only_ApiVersions_and_the_handshake_are_served_and_anything_else_closes_the_connection()
    {
        var session = Session();
        Assert.Equal(SaslSession.Verdict.Serve, session.Handle(new ApiVersionsRequestData()));
        Assert.Equal(SaslSession.Verdict.CloseUnanswered, session.Handle(Metadata));
        Assert.False(session.IsAuthenticated);
    }

    [Fact]
    public void A_PLAIN_exchange_authenticates_the_connection_and_then_every_request_is_served_as_that_user()
    {
        var session = Session();
        var handshake = session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        Assert.Equal(new SaslHandshakeResponseData(ErrorCode.None, SaslMechanisms.All).ErrorCode, ((SaslHandshakeResponseData)handshake.Response!).ErrorCode);
        Assert.False(handshake.Close);

        var authenticate = session.Handle(new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes("\0alice\0s3cret")));
        Assert.Equal(ErrorCode.None, ((SaslAuthenticateResponseData)authenticate.Response!).ErrorCode);
        Assert.Equal("alice", session.User);
        Assert.Equal(SaslSession.Verdict.Serve, session.Handle(Metadata));
    }

    [Theory]
    [InlineData(SaslMechanisms.ScramSha256)]
    [InlineData(SaslMechanisms.ScramSha512)]
    public void A_SCRAM_exchange_takes_two_tokens(string mechanism)
    {
        var session = Session();
        session.Handle(new SaslHandshakeRequestData(mechanism));
        var client = new ScramClient(mechanism, "alice", "s3cret");
        var first = (SaslAuthenticateResponseData)session.Handle(new SaslAuthenticateRequestData(client.ClientFirst())).Response!;
        Assert.False(session.IsAuthenticated);
        var final = (SaslAuthenticateResponseData)session.Handle(new SaslAuthenticateRequestData(client.ClientFinal(first.AuthBytes.ToArray()))).Response!;
        Assert.Equal(ErrorCode.None, final.ErrorCode);
        Assert.True(client.VerifiesServer(final.AuthBytes.ToArray()));
        Assert.Equal("alice", session.User);
    }

    [Fact]
    public void A_mechanism_that_is_not_enabled_is_answered_with_the_enabled_ones_and_the_connection_closes()
    {
        var verdict = Session(SaslMechanisms.ScramSha512).Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        Assert.True(verdict.Close);
        var response = (SaslHandshakeResponseData)verdict.Response!;
        Assert.Equal(ErrorCode.UnsupportedSaslMechanism, response.ErrorCode);
        Assert.Equal(new[] { SaslMechanisms.ScramSha512 }, response.Mechanisms);
    }

    [Fact]
    public void A_wrong_password_is_answered_SASL_AUTHENTICATION_FAILED_with_the_reason_and_the_connection_closes()
    {
        var session = Session();
        session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        var verdict = session.Handle(new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes("\0alice\0guess")));
        Assert.True(verdict.Close);
        var response = (SaslAuthenticateResponseData)verdict.Response!;
        Assert.Equal(ErrorCode.SaslAuthenticationFailed, response.ErrorCode);
        Assert.Equal(PlainServer.InvalidCredentials, response.ErrorMessage);
        Assert.Null(session.User);
    }

    [Fact]
    public void SASL_requests_out_of_order_are_answered_ILLEGAL_SASL_STATE_and_close_the_connection()
    {
        var authenticateFirst = Session().Handle(new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes("\0alice\0s3cret")));
        Assert.Equal(ErrorCode.IllegalSaslState, ((SaslAuthenticateResponseData)authenticateFirst.Response!).ErrorCode);
        Assert.True(authenticateFirst.Close);

        var session = Session();
        session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        var twoHandshakes = session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        Assert.Equal(ErrorCode.IllegalSaslState, ((SaslHandshakeResponseData)twoHandshakes.Response!).ErrorCode);
        Assert.True(twoHandshakes.Close);
    }

    [Fact]
    public void After_authentication_a_second_handshake_is_refused_but_the_session_goes_on()
    {
        var session = Session();
        session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        session.Handle(new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes("\0alice\0s3cret")));
        var again = session.Handle(new SaslHandshakeRequestData(SaslMechanisms.Plain));
        Assert.Equal(ErrorCode.IllegalSaslState, ((SaslHandshakeResponseData)again.Response!).ErrorCode);
        Assert.False(again.Close);
        Assert.Equal("alice", session.User);
    }
}
