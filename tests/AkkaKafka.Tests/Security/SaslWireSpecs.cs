using System.Text;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.KafkaClients;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// The SASL exchange on the wire, byte for byte, against a real broker with SASL on (over plaintext, so a raw socket
/// can speak it): what is served before authentication, and the error and the close Kafka gives for each mistake.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class SaslWireSpecs(SaslPlaintextKafkaBroker broker) : IClassFixture<SaslPlaintextKafkaBroker>
{
    private int KafkaPort => broker.Cluster.KafkaPort(broker.Port);

    private static SaslAuthenticateRequestData Plain(string user, string password) => new(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static Task<SaslHandshakeResponseData> Handshake(KafkaWireConnection wire, string mechanism, int correlationId = 2) =>
        wire.AskAsync(ApiKey.SaslHandshake, 1, correlationId, new SaslHandshakeRequestData(mechanism), (ref KafkaReader r) => SaslHandshakeResponseData.Read(ref r, 1));

    private static Task<SaslAuthenticateResponseData> Authenticate(KafkaWireConnection wire, SaslAuthenticateRequestData token, int correlationId) =>
        wire.AskAsync(ApiKey.SaslAuthenticate, 2, correlationId, token, (ref KafkaReader r) => SaslAuthenticateResponseData.Read(ref r, 2));

    private static Task<MetadataResponseData> Metadata(KafkaWireConnection wire, int correlationId) =>
        wire.AskAsync(ApiKey.Metadata, 8, correlationId, new MetadataRequestData(null, false), (ref KafkaReader r) => MetadataResponseData.Read(ref r, 8));

    [Fact]
    public async Task Before_authentication_ApiVersions_is_answered_with_the_SASL_apis_and_a_Metadata_request_closes_the_connection()
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        var versions = await wire.AskAsync(ApiKey.ApiVersions, 3, 1, new ApiVersionsRequestData("wire-spec", "1"), (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3));
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslHandshake);
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslAuthenticate);

        await wire.SendAsync(ApiKey.Metadata, 8, 2, new MetadataRequestData(null, false));
        Assert.True(await wire.IsClosedByBrokerAsync());
        Assert.Equal(0, wire.BytesDiscarded);
    }

    [Fact]
    public async Task A_mechanism_that_is_not_enabled_is_answered_UNSUPPORTED_SASL_MECHANISM_with_the_enabled_ones_then_the_connection_closes()
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        var answer = await Handshake(wire, "GSSAPI");
        Assert.Equal(ErrorCode.UnsupportedSaslMechanism, answer.ErrorCode);
        Assert.Equal(new[] { "SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN" }, answer.Mechanisms);
        Assert.True(await wire.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task SaslAuthenticate_before_the_handshake_is_answered_ILLEGAL_SASL_STATE_then_the_connection_closes()
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        var answer = await Authenticate(wire, Plain(SecureKafkaBroker.Admin, SecureKafkaBroker.AdminPassword), 1);
        Assert.Equal(ErrorCode.IllegalSaslState, answer.ErrorCode);
        Assert.True(await wire.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task A_wrong_PLAIN_password_is_answered_SASL_AUTHENTICATION_FAILED_with_the_reason_then_the_connection_closes()
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        Assert.Equal(ErrorCode.None, (await Handshake(wire, SaslMechanisms.Plain)).ErrorCode);
        var answer = await Authenticate(wire, Plain(SecureKafkaBroker.Admin, "not-the-password"), 3);
        Assert.Equal(ErrorCode.SaslAuthenticationFailed, answer.ErrorCode);
        Assert.Equal("Authentication failed: Invalid username or password", answer.ErrorMessage);
        Assert.True(await wire.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task After_a_PLAIN_exchange_the_connection_is_served()
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        await Handshake(wire, SaslMechanisms.Plain);
        Assert.Equal(ErrorCode.None, (await Authenticate(wire, Plain(SecureKafkaBroker.Admin, SecureKafkaBroker.AdminPassword), 3)).ErrorCode);
        Assert.NotEmpty((await Metadata(wire, 4)).Brokers);
    }

    [Theory]
    [InlineData(SaslMechanisms.ScramSha256)]
    [InlineData(SaslMechanisms.ScramSha512)]
    public async Task After_a_SCRAM_exchange_the_client_has_checked_the_broker_and_the_connection_is_served(string mechanism)
    {
        using var wire = await KafkaWireConnection.OpenAsync(KafkaPort);
        await Handshake(wire, mechanism);
        var client = new ScramClient(mechanism, SecureKafkaBroker.Admin, SecureKafkaBroker.AdminPassword, clientNonce: Guid.NewGuid().ToString("N"));
        var first = await Authenticate(wire, new SaslAuthenticateRequestData(client.ClientFirst()), 3);
        var final = await Authenticate(wire, new SaslAuthenticateRequestData(client.ClientFinal(first.AuthBytes.ToArray())), 4);
        Assert.Equal(ErrorCode.None, final.ErrorCode);
        Assert.True(client.VerifiesServer(final.AuthBytes.ToArray()), "the broker's server-final signature");
        Assert.NotEmpty((await Metadata(wire, 5)).Brokers);
    }
}
