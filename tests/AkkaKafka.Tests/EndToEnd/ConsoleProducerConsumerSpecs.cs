using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>The console programs against one real broker process, as a user runs them in a terminal or a script.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsoleProducerConsumerSpecs : OneBrokerSpecs
{
    [Fact]
    public async Task Piped_lines_are_produced_and_read_back_in_order_from_the_beginning()
    {
        var lines = string.Join("\n", Enumerable.Range(1, 1000)) + "\n";
        var produced = await Run(lines, "produce", "--topic", "t1");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var consumed = await Run(null, "consume", "--topic", "t1", "--from-beginning", "--max-messages", "1000", "--timeout-ms", "10000");
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => i.ToString()), consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_consumer_without_from_beginning_sees_only_new_records()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "--topic", "news", "--partitions", "1")).ExitCode);
        Assert.Equal(0, (await Run("old-1\nold-2\n", "produce", "--topic", "news")).ExitCode);

        using var consumer = CliProcess.Start(Cluster.WorkDirectory, "consume", "--topic", "news", "--max-messages", "2", "--timeout-ms", "30000", "--bootstrap", Cluster.Bootstrap);
        // The consumer positions itself at the end before printing anything; give it records until it has two.
        await Eventually.Holds(TimeSpan.FromSeconds(30), async () =>
        {
            if (consumer.HasExited) return true;
            Assert.Equal(0, (await Run("new\n", "produce", "--topic", "news")).ExitCode);
            return await consumer.WaitForExitAsync(TimeSpan.FromSeconds(1), killOnTimeout: false);
        });
        Assert.True(consumer.HasExited, "consumer did not finish");
        Assert.Equal(0, consumer.ExitCode);
        Assert.Equal(["new", "new"], consumer.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Keyed_records_land_on_their_murmur2_partition_and_print_with_keys()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "keyed", "--partitions", "4")).ExitCode);
        var produced = await Run("alice:1\nbob:2\nalice:3\n", "produce", "--topic", "keyed", "--key-separator", ":");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var consumed = await Run(null, "consume", "--topic", "keyed", "--from-beginning", "--max-messages", "3", "--timeout-ms", "10000", "--print-key", "--print-offset");
        var lines = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var alicePartition = AkkaKafka.Protocol.Records.Murmur2.Partition("alice"u8, 4);
        Assert.Contains($"{alicePartition}:0\talice\t1", lines);
        Assert.Contains($"{alicePartition}:1\talice\t3", lines);
        Assert.Contains(lines, l => l.EndsWith("\tbob\t2"));
    }

    [Fact]
    public async Task Topic_administration_reports_success_and_refuses_bad_requests_with_one_line_errors()
    {
        var created = await Run(null, "topic", "create", "orders", "--partitions", "6");
        Assert.True(created.ExitCode == 0, created.ToString());

        var duplicate = await Run(null, "topic", "create", "orders", "--partitions", "6");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("already exists", duplicate.Stderr);

        var zero = await Run(null, "topic", "create", "empty", "--partitions", "0");
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--partitions must be at least 1", zero.Stderr);

        var badName = await Run(null, "topic", "create", "bad/name", "--partitions", "1");
        Assert.Equal(1, badName.ExitCode);
        Assert.Contains("only ASCII letters", badName.Stderr);

        var list = await Run(null, "topic", "list");
        Assert.Contains("orders", list.Stdout.Split('\n', StringSplitOptions.TrimEntries));

        var describe = await Run(null, "topic", "describe", "orders");
        Assert.Equal(6, describe.Stdout.Split('\n').Count(l => l.Contains("Partition: ")));

        var unknown = await Run(null, "topic", "describe", "nope");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("does not exist", unknown.Stderr);

        var deleted = await Run(null, "topic", "delete", "orders");
        Assert.Equal(0, deleted.ExitCode);
        Assert.DoesNotContain("orders", (await Run(null, "topic", "list")).Stdout);
    }

    [Fact]
    public async Task Consuming_an_unknown_topic_fails_with_a_clear_error()
    {
        var result = await Run(null, "consume", "--topic", "missing", "--from-beginning", "--timeout-ms", "1000");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("topic 'missing' does not exist", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Bad_flags_are_refused_with_a_non_zero_exit()
    {
        var badAcks = await Run("x\n", "produce", "--topic", "t", "--acks", "2");
        Assert.NotEqual(0, badAcks.ExitCode);
        Assert.Contains("--acks", badAcks.Stderr);

        var unknownFlag = await Run(null, "consume", "--topic", "t", "--frm-beginning");
        Assert.NotEqual(0, unknownFlag.ExitCode);
        Assert.Contains("--frm-beginning", unknownFlag.Stderr);

        var badBootstrap = await Cluster.RunAsync(CommandTimeout, null, "topic", "list", "--bootstrap", "127.0.0.1:notaport");
        Assert.NotEqual(0, badBootstrap.ExitCode);
        Assert.Contains("not host:port", badBootstrap.Stderr);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "EndToEnd";
}
