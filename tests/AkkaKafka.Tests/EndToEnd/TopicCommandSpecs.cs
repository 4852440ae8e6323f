using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// `akkakafka topic` as Kafka's admin requests (CreateTopics, CreatePartitions, IncrementalAlterConfigs, DeleteTopics,
/// Metadata, DescribeConfigs) against a broker whose num.partitions is not 1, so the brokers' defaults show.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TopicCommandSpecs() : OneBrokerSpecs("akkakafka.broker.default-partitions = 3")
{
    [Fact]
    public async Task A_topic_created_without_partitions_gets_the_brokers_num_partitions_says_how_many_and_shows_their_leader_without_a_kafka_listener()
    {
        var created = await Run(null, "topic", "create", "defaults");
        Assert.Equal((0, "Created topic defaults with 3 partitions."), (created.ExitCode, created.Stdout.Trim()));

        var described = await Run(null, "topic", "describe", "defaults");
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains("PartitionCount: 3", described.Stdout);
        Assert.Equal(3, described.Stdout.Split('\n').Count(l => l.Contains("Partition: ")));
        // The broker has no Kafka listener (--kafka-port 0): its Kafka node id still leads each partition, as the
        // Metadata the CLI sends over the Akka transport names it by its remoting endpoint.
        Assert.All(described.Stdout.Split('\n').Where(l => l.Contains("Partition: ")), l => Assert.Contains("\tLeader: 1\t", l));
    }

    [Fact]
    public async Task Topic_configs_are_set_by_their_kafka_names_and_a_shrink_is_refused_with_kafkas_reason()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "configured", "--partitions", "2", "--retention-ms", "60000")).ExitCode);
        var altered = await Run(null, "topic", "alter", "configured", "--retention-bytes", "1048576", "--message-timestamp-type", "LogAppendTime");
        Assert.True(altered.ExitCode == 0, altered.ToString());

        var described = (await Run(null, "topic", "describe", "configured")).Stdout;
        Assert.Contains("RetentionMs: 60000\tRetentionBytes: 1048576\tMessageTimestampType: LogAppendTime", described);

        var shrunk = await Run(null, "topic", "alter", "configured", "--partitions", "1");
        Assert.Equal((1, "error: Topic currently has 2 partitions, which is higher than the requested 1."), (shrunk.ExitCode, shrunk.Stderr.Trim()));

        var unknown = await Run(null, "topic", "delete", "never-created");
        Assert.Equal((1, "error: topic 'never-created' does not exist"), (unknown.ExitCode, unknown.Stderr.Trim()));
    }
}
