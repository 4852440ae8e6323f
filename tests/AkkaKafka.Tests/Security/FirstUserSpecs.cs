using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>A broker process with security on (superuser "admin") and no user yet: the fixture's Kafka clients wait for nothing.</summary>
public sealed class NoUsersBroker() : UsersBroker(SaslMechanisms.ScramSha256), IAsyncLifetime
{
    public new Task InitializeAsync() => Cluster.StartAllAsync();
}

/// <summary>
/// The first user, over Kafka's AlterUserScramCredentials as `akkakafka user create` sends it: without a login, only a
/// superuser, and only while the cluster has no users; every other request of a client that has not logged in is
/// refused with SASL_AUTHENTICATION_FAILED.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class FirstUserSpecs(NoUsersBroker broker) : IClassFixture<NoUsersBroker>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Only_a_superuser_is_created_without_a_login_and_only_while_there_are_no_users()
    {
        await using var anonymous = await broker.ConnectAsync(null);
        var users = new SecurityAdminClient(anonymous);
        IReadOnlyList<string> sha256 = [SaslMechanisms.ScramSha256];

        var mallory = await Eventually.Async(Within, () => Assert.ThrowsAsync<KafkaException>(() => users.UpsertUserAsync("mallory", "pw", sha256)));
        Assert.Equal((ErrorCode.ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet: create a superuser first (admin), then log in as it"),
            (mallory.Error, mallory.Message));
        var listed = await Assert.ThrowsAsync<KafkaException>(() => users.ListUsersAsync());
        Assert.Equal((ErrorCode.SaslAuthenticationFailed, UnauthenticatedClients.NotLoggedIn), (listed.Error, listed.Message));

        var admin = await users.UpsertUserAsync(UsersBroker.Superuser, UsersBroker.Password(UsersBroker.Superuser), sha256);
        Assert.Equal("Created user admin (SCRAM-SHA-256).", admin.Message);

        // Once the broker holds the user (its login works), nobody creates another without a login, a superuser neither.
        await using var loggedIn = await broker.ConnectAsync(UsersBroker.Superuser);
        var again = await Assert.ThrowsAsync<KafkaException>(() => users.UpsertUserAsync(UsersBroker.Superuser, "taken-over", sha256));
        Assert.Equal((ErrorCode.SaslAuthenticationFailed, UnauthenticatedClients.NotLoggedIn), (again.Error, again.Message));
        Assert.Equal([(UsersBroker.Superuser, SaslMechanisms.ScramSha256)],
            (await new SecurityAdminClient(loggedIn).ListUsersAsync()).Select(u => (u.Name, string.Join(",", u.Mechanisms))));
    }
}
