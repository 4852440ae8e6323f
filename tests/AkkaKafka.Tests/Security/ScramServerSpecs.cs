using System.Text;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

[Trait("Speed", "Fast")]
public sealed class ScramServerSpecs
{
    // RFC 7677 section 3: user "user", password "pencil", salt and nonces as the RFC's example exchange has them.
    private static readonly ScramCredential Pencil = ScramCredential.Create(SaslMechanisms.ScramSha256, "pencil", 4096, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
    private const string RfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    private static UserCredentials? Users(string name) => name switch
    {
        "user" => new UserCredentials("user", [Pencil]),
        "alice" => new UserCredentials("alice", [ScramCredential.Create(SaslMechanisms.ScramSha256, "s3cret"), ScramCredential.Create(SaslMechanisms.ScramSha512, "s3cret")]),
        "a,b=c" => new UserCredentials("a,b=c", [ScramCredential.Create(SaslMechanisms.ScramSha256, "odd")]),
        _ => null,
    };

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void The_exchange_of_RFC_7677_is_answered_token_for_token()
    {
        var server = new ScramServer(SaslMechanisms.ScramSha256, Users, () => RfcServerNonce);

        var first = server.Evaluate(Utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Text(first.Response));
        Assert.False(first.IsComplete || first.IsFailed);

        var final = server.Evaluate(Utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        Assert.Equal("user", final.User);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Text(final.Response));
    }

    [Theory]
    [InlineData(SaslMechanisms.ScramSha256)]
    [InlineData(SaslMechanisms.ScramSha512)]
    public void A_client_that_knows_the_password_is_authenticated_and_can_check_the_server(string mechanism)
    {
        var server = new ScramServer(mechanism, Users);
        var client = new ScramClient(mechanism, "alice", "s3cret");
        var final = server.Evaluate(client.ClientFinal(server.Evaluate(client.ClientFirst()).Response));
        Assert.Equal("alice", final.User);
        Assert.True(client.VerifiesServer(final.Response));
    }

    [Fact]
    public void A_final_nonce_with_the_client_nonce_repeated_in_front_is_accepted_as_Kafka_accepts_it_from_librdkafka_2_0()
    {
        var server = new ScramServer(SaslMechanisms.ScramSha256, Users);
        var client = new ScramClient(SaslMechanisms.ScramSha256, "alice", "s3cret", repeatClientNonce: true);
        var final = server.Evaluate(client.ClientFinal(server.Evaluate(client.ClientFirst()).Response));
        Assert.Equal("alice", final.User);
        Assert.True(client.VerifiesServer(final.Response));
    }

    [Fact]
    public void Every_exchange_gets_a_fresh_server_nonce()
    {
        var one = Text(new ScramServer(SaslMechanisms.ScramSha256, Users).Evaluate(Utf8("n,,n=alice,r=abc")).Response);
        var two = Text(new ScramServer(SaslMechanisms.ScramSha256, Users).Evaluate(Utf8("n,,n=alice,r=abc")).Response);
        Assert.StartsWith("r=abc", one);
        Assert.NotEqual(one.Split(',')[0], two.Split(',')[0]);
    }

    [Fact]
    public void Escaped_user_names_are_read_as_RFC_5802_writes_them()
    {
        var server = new ScramServer(SaslMechanisms.ScramSha256, Users);
        var client = new ScramClient(SaslMechanisms.ScramSha256, "a,b=c", "odd");
        Assert.Equal("a,b=c", server.Evaluate(client.ClientFinal(server.Evaluate(client.ClientFirst()).Response)).User);
    }

    [Fact]
    public void A_wrong_password_and_an_unknown_user_fail_alike_at_the_last_step()
    {
        var wrong = Exchange(new ScramClient(SaslMechanisms.ScramSha256, "alice", "guess"), out var wrongFirst);
        var unknown = Exchange(new ScramClient(SaslMechanisms.ScramSha256, "mallory", "guess"), out var unknownFirst);

        // The unknown user still gets a salt and an iteration count, as a real one would: the first step tells nothing.
        Assert.False(wrongFirst.IsFailed);
        Assert.False(unknownFirst.IsFailed);
        Assert.Matches("^r=[^,]+,s=[A-Za-z0-9+/=]+,i=4096$", Text(unknownFirst.Response));
        Assert.Equal(ScramServer.InvalidCredentials(SaslMechanisms.ScramSha256), wrong.Failure);
        Assert.Equal(wrong.Failure, unknown.Failure);
        Assert.Empty(unknown.Response);
    }

    [Fact]
    public void A_user_without_a_credential_for_the_mechanism_is_refused()
    {
        var server = new ScramServer(SaslMechanisms.ScramSha512, Users);
        var client = new ScramClient(SaslMechanisms.ScramSha512, "user", "pencil");
        Assert.True(server.Evaluate(client.ClientFinal(server.Evaluate(client.ClientFirst()).Response)).IsFailed);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc", "channel binding")]
    [InlineData("x,,n=user,r=abc", "gs2 header")]
    [InlineData("n,,n=user", "client-first")]
    [InlineData("n,,r=abc,n=user", "username")]
    [InlineData("n,,n=us=2Xer,r=abc", "username")]
    [InlineData("n,,n=user,r=", "nonce")]
    [InlineData("n,,n=user,r=abc,tokenauth=true", "delegation tokens")]
    [InlineData("n,a=bob,n=user,r=abc", "authorization id")]
    public void Malformed_client_first_messages_fail_with_a_reason(string message, string reason)
    {
        var step = new ScramServer(SaslMechanisms.ScramSha256, Users).Evaluate(Utf8(message));
        Assert.True(step.IsFailed);
        Assert.Contains(reason, step.Failure);
        Assert.StartsWith("Authentication failed", step.Failure);
    }

    [Fact]
    public void A_replayed_or_tampered_final_message_fails()
    {
        var server = new ScramServer(SaslMechanisms.ScramSha256, Users, () => "other-server-nonce");
        server.Evaluate(Utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        // The RFC's final message, proven for the RFC's server nonce: a different exchange's nonce is refused.
        var step = server.Evaluate(Utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        Assert.True(step.IsFailed);
        Assert.Contains("nonce", step.Failure);

        var after = server.Evaluate(Utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        Assert.True(after.IsFailed); // one exchange per server: nothing is served after it ended
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_refused()
    {
        Assert.True(new ScramServer(SaslMechanisms.ScramSha256, Users).Evaluate([0xff, 0xfe, 0x00]).IsFailed);
    }

    private static SaslStep Exchange(ScramClient client, out SaslStep first)
    {
        var server = new ScramServer(SaslMechanisms.ScramSha256, Users);
        first = server.Evaluate(client.ClientFirst());
        return server.Evaluate(client.ClientFinal(first.Response));
    }
}
