using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.KafkaClients;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// Real Kafka clients (Confluent.Kafka and kcat, both librdkafka) against a broker whose Kafka listener takes TLS and
/// SASL only, with authorization on: users with the right ACLs produce and consume with each mechanism; a wrong
/// password, no credentials, and plaintext against the TLS port are refused; what the ACLs deny is refused and not written.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class SecureKafkaListenerSpecs : IClassFixture<SecureKafkaBroker>
{
    private static readonly TimeSpan KcatTimeout = TimeSpan.FromSeconds(60);
    private readonly SecureKafkaBroker _broker;

    public SecureKafkaListenerSpecs(SecureKafkaBroker broker) => _broker = broker;

    private static SaslMechanism MechanismOf(string mechanism) => mechanism switch
    {
        "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
        "SCRAM-SHA-512" => SaslMechanism.ScramSha512,
        _ => SaslMechanism.Plain,
    };

    private static string Short(string mechanism) => mechanism.Replace("SCRAM-SHA-", "scram").ToLowerInvariant();

    /// <summary>A user that may write and read <paramref name="topic"/> and read <paramref name="group"/>, made with the CLI, and the topic.</summary>
    private async Task WriterAndReaderAsync(string user, string password, string topic, string group)
    {
        await _broker.CreateUserAsync(user, password);
        await _broker.AllowAsync(user, "write", "--topic", topic);
        await _broker.AllowAsync(user, "read", "--topic", topic);
        await _broker.AllowAsync(user, "read", "--group", group);
        await _broker.CreateTopic(topic, 2);
        await AwaitVisibleAsync(user, password, topic);
    }

    /// <summary>
    /// Waits until the broker has the user and its rules (the controller publishes them to the brokers a moment after
    /// the CLI's answer): the user's own Metadata then lists the topic without an error.
    /// </summary>
    private Task AwaitVisibleAsync(string user, string password, string topic) => _broker.AwaitAsync(() =>
    {
        var config = new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap, SocketTimeoutMs = 5000 };
        _broker.SaslSsl(config, user, password, SaslMechanism.ScramSha256);
        using var admin = new AdminClientBuilder(config).Build();
        try
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
            return Task.FromResult(metadata.Topics.Any(t => t.Topic == topic && !t.Error.IsError) ? null
                : $"Metadata for {user}: {string.Join(", ", metadata.Topics.Select(t => $"{t.Topic} {t.Error.Code}"))}");
        }
        catch (KafkaException e)
        {
            return Task.FromResult<string?>($"Metadata for {user} failed: {e.Error}");
        }
    }, TimeSpan.FromSeconds(45), $"{user} seeing {topic}");

    private IProducer<string, string> Producer(string user, string password, string mechanism)
    {
        var config = new ProducerConfig { BootstrapServers = _broker.KafkaBootstrap, Acks = Acks.All, EnableIdempotence = false, MessageTimeoutMs = 20000, LingerMs = 5 };
        _broker.SaslSsl(config, user, password, MechanismOf(mechanism));
        return new ProducerBuilder<string, string>(config).Build();
    }

    private List<string> ConsumeAll(string user, string password, string mechanism, string topic, string group, int expected)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _broker.KafkaBootstrap, GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = true,
            SessionTimeoutMs = 10000,
        };
        _broker.SaslSsl(config, user, password, MechanismOf(mechanism));
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (values.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message }) values.Add(message.Value);
        consumer.Close();
        return values;
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    [InlineData("PLAIN")]
    public async Task A_Confluent_producer_and_consumer_write_and_read_over_SASL_SSL(string mechanism)
    {
        var (user, topic, group) = ($"confluent-{Short(mechanism)}", $"secure-confluent-{Short(mechanism)}", $"secure-group-{Short(mechanism)}");
        await WriterAndReaderAsync(user, "pw-" + user, topic, group);

        await _broker.WithDiagnostics(() =>
        {
            using var producer = Producer(user, "pw-" + user, mechanism);
            ConfluentClients.ProduceKeyed(producer, topic, 1, 200, _broker.Diagnostics);
            var read = ConsumeAll(user, "pw-" + user, mechanism, topic, group, 200);
            Assert.Equal(Enumerable.Range(1, 200), read.Select(int.Parse).Order());
            return Task.CompletedTask;
        });
    }

    [SkippableTheory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    public async Task Kcat_produces_and_consumes_over_SASL_SSL(string mechanism)
    {
        Kcat.EnsureAvailable();
        var (user, topic, group) = ($"kcat-{Short(mechanism)}", $"secure-kcat-{Short(mechanism)}", $"secure-kcat-group-{Short(mechanism)}");
        await WriterAndReaderAsync(user, "pw-" + user, topic, group);
        var sasl = _broker.KcatSaslSsl(user, "pw-" + user, mechanism);

        var produced = await Kcat.RunAsync(KcatTimeout, string.Concat(Enumerable.Range(1, 300).Select(i => $"{i}\n")), ["-b", _broker.KafkaBootstrap, .. sasl, "-P", "-t", topic]);
        Assert.True(produced.ExitCode == 0, $"kcat -P: {produced}\n{_broker.Diagnostics()}");
        var consumed = await Kcat.RunAsync(KcatTimeout, null, ["-b", _broker.KafkaBootstrap, .. sasl, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", @"%s\n"]);
        Assert.True(consumed.ExitCode == 0, $"kcat -C: {consumed}\n{_broker.Diagnostics()}");
        Assert.Equal(Enumerable.Range(1, 300), consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order());
    }

    [SkippableFact]
    public async Task A_wrong_password_and_an_unknown_user_are_refused_with_SASL_AUTHENTICATION_FAILED()
    {
        Kcat.EnsureAvailable();
        // carol exists and the broker knows her (she sees her topic): the refusal below is for the password alone.
        await _broker.CreateUserAsync("carol", "right-password");
        await _broker.AllowAsync("carol", "read", "--topic", "carols-topic");
        await _broker.CreateTopic("carols-topic", 1);
        await AwaitVisibleAsync("carol", "right-password", "carols-topic");

        foreach (var (user, password) in new[] { ("carol", "wrong-password"), ("nobody", "whatever") })
        {
            var result = await Kcat.RunAsync(KcatTimeout, null, ["-b", _broker.KafkaBootstrap, .. _broker.KcatSaslSsl(user, password, "SCRAM-SHA-256"), "-L", "-m", "5"]);
            Assert.True(result.ExitCode != 0, $"kcat -L as {user} with a wrong password: {result}");
            Assert.Contains("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256", result.Stderr);
        }
    }

    [SkippableFact]
    public async Task A_client_without_credentials_and_a_plaintext_client_get_no_metadata()
    {
        Kcat.EnsureAvailable();
        // TLS without SASL: the broker answers ApiVersions, then closes on the first request that is not the SASL exchange.
        var noSasl = await Kcat.RunAsync(KcatTimeout, null, "-b", _broker.KafkaBootstrap, "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={_broker.Certificate.CertFile}", "-L", "-m", "5");
        Assert.True(noSasl.ExitCode != 0 && !noSasl.Stdout.Contains("brokers:"), $"kcat over TLS without SASL: {noSasl}");

        // Plaintext against the TLS port: the TLS handshake fails, and librdkafka says what is likely wrong.
        var plaintext = await Kcat.RunAsync(KcatTimeout, null, "-b", _broker.KafkaBootstrap, "-L", "-m", "5");
        Assert.True(plaintext.ExitCode != 0 && !plaintext.Stdout.Contains("brokers:"), $"plaintext kcat: {plaintext}");
        Assert.Contains("security.protocol", plaintext.Stderr);
    }

    [Fact]
    public async Task What_the_ACLs_deny_is_refused_and_nothing_is_written()
    {
        const string user = "reader-only";
        const string password = "pw-reader";
        await _broker.CreateUserAsync(user, password);
        await _broker.AllowAsync(user, "read", "--topic", "acl-readable");
        await _broker.CreateTopic("acl-readable", 1);
        await _broker.CreateTopic("acl-hidden", 1);
        await AwaitVisibleAsync(user, password, "acl-readable");

        await _broker.WithDiagnostics(async () =>
        {
            // Produce: TOPIC_AUTHORIZATION_FAILED for every record, and the log stays empty.
            using (var producer = Producer(user, password, "SCRAM-SHA-256"))
            {
                var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                    producer.ProduceAsync("acl-readable", new Message<string, string> { Key = "k", Value = "forged" }));
                Assert.Equal(ErrorCode.TopicAuthorizationFailed, failure.Error.Code);
            }
            var adminConfig = new ConsumerConfig { BootstrapServers = _broker.KafkaBootstrap, GroupId = "acl-check" };
            _broker.Secure(adminConfig);
            using (var consumer = new ConsumerBuilder<string, string>(adminConfig).Build())
            {
                var offsets = consumer.QueryWatermarkOffsets(new TopicPartition("acl-readable", 0), TimeSpan.FromSeconds(10));
                Assert.Equal(0, offsets.High.Value);
            }

            var config = new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap };
            _broker.SaslSsl(config, user, password, SaslMechanism.ScramSha256);
            using var admin = new AdminClientBuilder(config).Build();

            // Metadata of all topics lists only what the user may describe.
            var listed = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic).ToList();
            Assert.Contains("acl-readable", listed);
            Assert.DoesNotContain("acl-hidden", listed);

            // Creating and deleting topics needs Create and Delete.
            var create = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "acl-new", NumPartitions = 1, ReplicationFactor = 1 }]));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, create.Results.Single().Error.Code);
            var delete = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync(["acl-readable"]));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, delete.Results.Single().Error.Code);
        });

        var topics = await _broker.AkkaOk(null, "topic", "list");
        Assert.DoesNotContain("acl-new", topics.Stdout);
        Assert.Contains("acl-readable", topics.Stdout);
    }

    [Fact]
    public async Task A_consumer_without_Read_on_its_group_is_refused_with_GROUP_AUTHORIZATION_FAILED()
    {
        const string user = "no-group";
        await _broker.CreateUserAsync(user, "pw-no-group");
        await _broker.AllowAsync(user, "read", "--topic", "acl-group-topic");
        await _broker.CreateTopic("acl-group-topic", 1);
        await AwaitVisibleAsync(user, "pw-no-group", "acl-group-topic");

        var config = new ConsumerConfig { BootstrapServers = _broker.KafkaBootstrap, GroupId = "forbidden-group", AutoOffsetReset = AutoOffsetReset.Earliest };
        _broker.SaslSsl(config, user, "pw-no-group", SaslMechanism.ScramSha256);
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe("acl-group-topic");
        var error = Assert.Throws<ConsumeException>(() =>
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(500));
        });
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, error.Error.Code);
    }
}
