using AkkaKafka.Tests.KafkaClients;
using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// One real broker whose Kafka listener asks for TLS (a certificate the fixture generates) and SASL (SCRAM-SHA-256,
/// SCRAM-SHA-512 and PLAIN), with authorization on and one superuser, <see cref="Admin"/>, created with
/// `akkakafka user create` before any Kafka client connects. Specs create their own users and ACLs with the CLI.
/// </summary>
public sealed class SecureKafkaBroker : KafkaBroker, IAsyncLifetime
{
    public const string Admin = "admin";
    public const string AdminPassword = "admin-secret";

    public SecureKafkaBroker() : this(TestCertificate.Create()) { }

    private SecureKafkaBroker(TestCertificate certificate) : base($$"""
        akkakafka.security {
          enabled = on
          super-users = ["{{Admin}}"]
          # This fixture sets users and ACLs up with akkakafka commands that do not log in (Akka clients are sec-transport's specs).
          akka-client-authentication = off
          kafka-sasl-mechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]
          kafka-tls { cert = "{{certificate.CertFile}}", key = "{{certificate.KeyFile}}" }
        }
        """) => Certificate = certificate;

    public TestCertificate Certificate { get; }

    public new async Task InitializeAsync()
    {
        await Cluster.StartAllAsync();
        await CreateUserAsync(Admin, AdminPassword);
        await AwaitKafkaMetadataAsync();
    }

    /// <summary>The superuser over SASL_SSL with SCRAM-SHA-256: what the fixture's own checks connect as.</summary>
    public override void Secure(ClientConfig config) => SaslSsl(config, Admin, AdminPassword, SaslMechanism.ScramSha256);

    /// <summary>A Kafka client configured as a user would for this broker: SASL_SSL, a mechanism, credentials, and the CA.</summary>
    public void SaslSsl(ClientConfig config, string user, string password, SaslMechanism mechanism)
    {
        config.SecurityProtocol = SecurityProtocol.SaslSsl;
        config.SaslMechanism = mechanism;
        config.SaslUsername = user;
        config.SaslPassword = password;
        config.SslCaLocation = Certificate.CertFile;
    }

    /// <summary>kcat's -X options for the same.</summary>
    public string[] KcatSaslSsl(string user, string password, string mechanism) =>
    [
        "-X", "security.protocol=SASL_SSL", "-X", $"sasl.mechanisms={mechanism}", "-X", $"sasl.username={user}", "-X", $"sasl.password={password}",
        "-X", $"ssl.ca.location={Certificate.CertFile}",
    ];

    /// <summary>`akkakafka user create NAME --password-stdin`, then waits until the broker has the user (its listener reads the broker's copy).</summary>
    public async Task CreateUserAsync(string name, string password)
    {
        await AkkaOk(password + "\n", "user", "create", name, "--password-stdin");
    }

    /// <summary>`akkakafka acl add --user U --topic|--group|--cluster … --operation op`.</summary>
    public Task AllowAsync(string user, string operation, params string[] resource) =>
        AkkaOk(null, ["acl", "add", "--user", user, .. resource, "--operation", operation]);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Certificate.Dispose();
    }
}
