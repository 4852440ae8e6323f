using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// One broker with security on for both transports (SASL with <paramref name="kafkaSaslMechanism"/> on the Kafka
/// listener, logins for Akka clients), whose superuser <see cref="Superuser"/> is created by the first Akka client, and
/// whose users all have the password "USER-password": the fixture of the specs that compare what users may do over
/// the Kafka listener and as Akka clients.
/// </summary>
public abstract class UsersBroker(string kafkaSaslMechanism) : KafkaBroker($$"""
    akkakafka.security {
      enabled = on
      super-users = ["{{Superuser}}"]
      kafka-sasl-mechanisms = ["{{kafkaSaslMechanism}}"]
    }
    """)
{
    public const string Superuser = "admin";

    public static string Password(string user) => $"{user}-password";

    private static void Ok(SecurityCommandResult result) => Assert.True(result.IsSuccess, result.Message);

    /// <summary>Creates <paramref name="user"/> (SCRAM-SHA-256, its password) as `akkakafka user create` does, with Kafka's AlterUserScramCredentials.</summary>
    protected static async Task CreateUserAsync(ClusterConnection admin, string user) =>
        Ok(await new SecurityAdminClient(admin).UpsertUserAsync(user, Password(user), [SaslMechanisms.ScramSha256]));

    /// <summary>Adds <paramref name="rule"/> as `akkakafka acl add` does, with Kafka's CreateAcls.</summary>
    protected static async Task AllowAsync(ClusterConnection admin, AclRule rule) => Ok(await new SecurityAdminClient(admin).AddAclAsync(rule));

    /// <summary>An Akka client logged in as <paramref name="user"/> (null: not logged in); the superuser is created by its first client without a login.</summary>
    public async Task<ClusterConnection> ConnectAsync(string? user, bool createFirst = false)
    {
        var connection = ClusterConnection.Create(HostPort.ParseList(AkkaBootstrap), null, $"{GetType().Name}-{user ?? "anonymous"}",
            user is null ? null : new ClientCredentials(user, Password(user)));
        if (createFirst) await CreateUserAsync(connection, user!);
        // The broker takes the user once the controller has published it.
        await Eventually.Async(TimeSpan.FromSeconds(30), () => connection.AuthenticateAsync());
        return connection;
    }

    /// <summary>The superuser, for the fixture's own Kafka clients (librdkafka's admin client waiting for the broker).</summary>
    public override void Secure(Confluent.Kafka.ClientConfig config)
    {
        config.SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = kafkaSaslMechanism == SaslMechanisms.Plain ? Confluent.Kafka.SaslMechanism.Plain : Confluent.Kafka.SaslMechanism.ScramSha256;
        config.SaslUsername = Superuser;
        config.SaslPassword = Password(Superuser);
    }
}
