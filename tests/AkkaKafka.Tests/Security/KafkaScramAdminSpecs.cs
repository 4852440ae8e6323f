using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// Confluent.Kafka's AdminClient manages SCRAM users with Kafka's AlterUserScramCredentials and
/// DescribeUserScramCredentials against a broker process with SASL/SCRAM and authorization on: librdkafka salts the
/// password, the broker stores the credential, and the user it made logs in with SCRAM; a deleted credential no longer
/// logs in; a user without ALTER on the cluster is refused with Kafka's code.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaScramAdminSpecs(RequestMatrixBroker broker) : IClassFixture<RequestMatrixBroker>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private IAdminClient Admin(string user, string password)
    {
        var config = new AdminClientConfig
        {
            BootstrapServers = broker.KafkaBootstrap, SocketTimeoutMs = 10_000, SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = SaslMechanism.ScramSha256, SaslUsername = user, SaslPassword = password,
        };
        return new AdminClientBuilder(config).Build();
    }

    /// <summary>Null once <paramref name="user"/> logs in with SCRAM-SHA-256 and gets metadata; else why not.</summary>
    private string? LoginFailure(string user, string password)
    {
        using var client = Admin(user, password);
        try
        {
            client.GetMetadata(TimeSpan.FromSeconds(5));
            return null;
        }
        catch (KafkaException e)
        {
            return e.Error.ToString();
        }
    }

    [Fact]
    public async Task A_user_the_admin_client_creates_logs_in_with_SCRAM_and_no_longer_once_its_credential_is_deleted()
    {
        const string user = "scram-made";
        const string password = "scram-made-secret";
        using var admin = Admin(UsersBroker.Superuser, UsersBroker.Password(UsersBroker.Superuser));
        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialUpsertion
        {
            User = user, Password = System.Text.Encoding.UTF8.GetBytes(password),
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 8192 },
        }]);
        await Eventually.Async(Within, () => Task.Run(() => Assert.Null(LoginFailure(user, password))));

        var described = await admin.DescribeUserScramCredentialsAsync([user]);
        var info = described.UserScramCredentialsDescriptions.Single().ScramCredentialInfos.Single();
        Assert.Equal((ScramMechanism.ScramSha256, 8192), (info.Mechanism, info.Iterations));

        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialDeletion { User = user, Mechanism = ScramMechanism.ScramSha256 }]);
        await Eventually.Async(Within, () => Task.Run(() => Assert.NotNull(LoginFailure(user, password))));
    }

    [Fact]
    public async Task A_user_without_ALTER_on_the_cluster_cannot_set_credentials_and_an_unknown_user_is_RESOURCE_NOT_FOUND()
    {
        using var outsider = Admin(RequestMatrixBroker.Outsider, UsersBroker.Password(RequestMatrixBroker.Outsider));
        var refused = await Assert.ThrowsAsync<AlterUserScramCredentialsException>(() => outsider.AlterUserScramCredentialsAsync([new UserScramCredentialUpsertion
        {
            User = RequestMatrixBroker.Outsider, Password = "new"u8.ToArray(),
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 4096 },
        }]));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, refused.Results.Single().Error.Code);

        using var admin = Admin(UsersBroker.Superuser, UsersBroker.Password(UsersBroker.Superuser));
        var unknown = await Assert.ThrowsAsync<DescribeUserScramCredentialsException>(() => admin.DescribeUserScramCredentialsAsync(["nobody-here"]));
        Assert.Equal(ErrorCode.ResourceNotFound, unknown.Results.UserScramCredentialsDescriptions.Single().Error.Code);
    }
}
