using AkkaKafka.Tests.KafkaClients;
using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// One real broker whose Kafka listener asks for TLS (a certificate the fixture generates) and SASL (SCRAM-SHA-256,
/// SCRAM-SHA-512 and PLAIN), with authorization on and one superuser, <see cref="Admin"/>, created with
/// `akkakafka user create` before any Kafka client connects. Specs create their own users and ACLs with the CLI.
/// <see cref="SaslPlaintextKafkaBroker"/> is the same without TLS (SASL_PLAINTEXT, Kafka's development setting).
/// </summary>
public class SecureKafkaBroker : KafkaBroker, IAsyncLifetime
{
    public const string Admin = "admin";
    public const string AdminPassword = "admin-secret";

    public SecureKafkaBroker() : this(tls: true) { }

    protected SecureKafkaBroker(bool tls) : this(TestCertificate.Create(), tls) { }

    private SecureKafkaBroker(TestCertificate certificate, bool tls) : base($$"""
        akkakafka.security {
          enabled = on
          super-users = ["{{Admin}}"]
          # This fixture sets users and ACLs up with akkakafka commands that do not log in (Akka clients are sec-transport's specs).
          akka-client-authentication = off
          kafka-sasl-mechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]
          kafka-tls { cert = "{{(tls ? certificate.CertFile : "")}}", key = "{{(tls ? certificate.KeyFile : "")}}" }
        }
        """)
    {
        Certificate = certificate;
        Tls = tls;
    }

    public bool Tls { get; }

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
        config.SecurityProtocol = Tls ? SecurityProtocol.SaslSsl : SecurityProtocol.SaslPlaintext;
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

/// <summary>The same broker with SASL over plaintext: the wire specs speak to its Kafka port with a raw socket.</summary>
public sealed class SaslPlaintextKafkaBroker() : SecureKafkaBroker(tls: false);
