using System.Diagnostics;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.KafkaClients;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>A secured broker (SASL/PLAIN on its Kafka listener, Akka client logins) whose failed logins are slowed down after 5 by 20 ms each.</summary>
public sealed class FailedLoginBroker() : KafkaBroker("""
    akkakafka.security {
      enabled = on
      super-users = ["admin"]
      kafka-sasl-mechanisms = ["PLAIN"]
      failed-logins { free-attempts = 5, initial-delay = 20ms, max-delay = 20ms, forget-after = 10m }
    }
    """), IAsyncLifetime
{
    public const string AdminPassword = "admin-password";
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(20);
    public const int FreeAttempts = 5;

    public new async Task InitializeAsync()
    {
        await Cluster.StartAllAsync();
        await AkkaOk(AdminPassword + "\n", "user", "create", "admin", "--password-stdin");
        await AwaitKafkaMetadataAsync();
    }

    public override void Secure(Confluent.Kafka.ClientConfig config)
    {
        config.SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = Confluent.Kafka.SaslMechanism.Plain;
        config.SaslUsername = "admin";
        config.SaslPassword = AdminPassword;
    }

    public string Stderr => Cluster[Port].Stderr;
}

/// <summary>
/// Password guessing is slowed down on both transports with one count per user and per address: after 5 failures in a
/// row each further one is answered only after the configured delay, and the broker says so once per burst.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class FailedLoginSpecs(FailedLoginBroker broker) : IClassFixture<FailedLoginBroker>
{
    private static int WarningLines(string stderr) => stderr.Split('\n').Count(l => l.Contains("failed logins for user") && l.Contains("slowing them down"));

    [Fact]
    public async Task Repeated_wrong_passwords_are_answered_ever_later_and_the_broker_warns_once_per_burst()
    {
        // Akka client logins first: the 6th failure from this address starts the burst and its one warning line.
        for (var i = 0; i < 8; i++)
        {
            await using var akka = ClusterConnection.Create(HostPort.ParseList(broker.AkkaBootstrap), null, "failed-logins", new ClientCredentials("eve", $"guess-{i}"));
            var refused = await Assert.ThrowsAsync<KafkaException>(() => akka.AuthenticateAsync());
            Assert.Equal(ErrorCode.SaslAuthenticationFailed, refused.Error);
        }
        await broker.AwaitAsync(() => Task.FromResult(WarningLines(broker.Stderr) == 1 ? null : $"{WarningLines(broker.Stderr)} warning lines"),
            TimeSpan.FromSeconds(10), "one warning line on the broker's stderr");
        Assert.Contains("Akka client login: 6 failed logins for user 'eve' from 127.0.0.1", broker.Stderr);

        // Then 200 wrong SASL/PLAIN passwords from the same address over the Kafka listener: each answer waits.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPort(broker.Port));
            await wire.AskAsync(ApiKey.SaslHandshake, 1, 1, new SaslHandshakeRequestData(SaslMechanisms.Plain), (ref KafkaReader r) => SaslHandshakeResponseData.Read(ref r, 1));
            var answer = await wire.AskAsync(ApiKey.SaslAuthenticate, 1, 2, new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes($"\0mallory\0guess-{i}")),
                (ref KafkaReader r) => SaslAuthenticateResponseData.Read(ref r, 1));
            Assert.Equal(ErrorCode.SaslAuthenticationFailed, answer.ErrorCode);
        }
        clock.Stop();

        // The address's burst goes on (it is past its free attempts), so every one of the 200 waited the delay.
        Assert.True(clock.Elapsed >= FailedLoginBroker.Delay * 200, $"200 failed logins took {clock.Elapsed.TotalSeconds:0.00}s, less than 200 delays");
        Assert.Equal(1, WarningLines(broker.Stderr));
    }
}
