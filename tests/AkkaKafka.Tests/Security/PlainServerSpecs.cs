using System.Text;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

[Trait("Speed", "Fast")]
public sealed class PlainServerSpecs
{
    private static readonly UserCredentials Alice = new("alice", [ScramCredential.Create(SaslMechanisms.ScramSha256, "s3cret")]);
    private static readonly UserCredentials Bob = new("bob", [ScramCredential.Create(SaslMechanisms.ScramSha512, "hunter2")]);

    private static UserCredentials? Users(string name) => name switch { "alice" => Alice, "bob" => Bob, _ => null };

    private static SaslStep Plain(string token) => new PlainServer(Users).Evaluate(Encoding.UTF8.GetBytes(token));

    [Fact]
    public void The_password_is_checked_against_the_stored_SCRAM_credential()
    {
        Assert.Equal("alice", Plain("\0alice\0s3cret").User);
        Assert.Equal("alice", Plain("alice\0alice\0s3cret").User);
        Assert.Equal("bob", Plain("\0bob\0hunter2").User); // a user with only a SCRAM-SHA-512 credential
        Assert.Empty(Plain("\0alice\0s3cret").Response);
    }

    [Fact]
    public void A_wrong_password_and_an_unknown_user_get_the_same_answer()
    {
        Assert.Equal(PlainServer.InvalidCredentials, Plain("\0alice\0guess").Failure);
        Assert.Equal(PlainServer.InvalidCredentials, Plain("\0mallory\0s3cret").Failure);
    }

    [Theory]
    [InlineData("alice\0s3cret", "authzid NUL username NUL password")]
    [InlineData("\0\0s3cret", "username not specified")]
    [InlineData("\0alice\0", "password not specified")]
    [InlineData("bob\0alice\0s3cret", "authorization id")]
    public void Malformed_tokens_fail_with_a_reason(string token, string reason) => Assert.Contains(reason, Plain(token).Failure);
}
