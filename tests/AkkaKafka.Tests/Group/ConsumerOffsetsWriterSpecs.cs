using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// The writer that copies what groups persist into __consumer_offsets, against a probe standing in for the node's
/// BrokerActor: a group's records go to its hashed partition as produce requests, one write in flight per partition
/// (what comes meanwhile waits for the next write, so a group's records stay in order), a failed write is sent again
/// as it was until it is acknowledged, and a missing topic is asked of the controller.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ConsumerOffsetsWriterSpecs(ITestOutputHelper output)
    : TestKit(TestConfigs.WithoutStorage(TestConfigs.Local), "consumer-offsets-writer-specs", output)
{
    private const int Partitions = 50;

    private static ConsumerOffsetsWrite Commit(string group, string topic, long offset) => new(group,
        [new ConsumerOffsetsRecord(ConsumerOffsets.OffsetCommitKey(group, topic, 0), ConsumerOffsets.OffsetCommitValue(offset, -1, "", 1), 1)]);

    private static List<byte[]?> Values(ProduceRequest request) => RecordBatches.ReadRecords(request.Batch).Select(r => r.Value).ToList();

    [Fact]
    public void A_groups_records_are_written_in_order_one_write_at_a_time_and_a_failed_write_is_sent_again_as_it_was()
    {
        var broker = CreateTestProbe();
        var writer = Sys.ActorOf(ConsumerOffsetsWriter.Props(broker.Ref, Partitions, 1_000_000, TimeSpan.FromSeconds(30), "spec"));

        writer.Tell(Commit("my-group", "t", 1));
        var first = broker.ExpectMsg<ProduceRequest>();
        Assert.Equal((ConsumerOffsets.Topic, 12), (first.Topic, first.Partition)); // "my-group" hashes to 12 of 50
        Assert.Equal(Acks.All, first.Acks);
        var firstSender = broker.LastSender;

        // Two more commits while the first write is unanswered, then the write fails: it is sent again alone.
        writer.Tell(Commit("my-group", "t", 2));
        writer.Tell(Commit("my-group", "t", 3));
        firstSender.Tell(new ProduceResponse(ConsumerOffsets.Topic, 12, ErrorCode.NotLeaderOrFollower, -1, -1));
        var retried = broker.ExpectMsg<ProduceRequest>();
        Assert.Equal(Values(first), Values(retried));

        // Acknowledged: what waited goes next, together and in order.
        broker.LastSender.Tell(new ProduceResponse(ConsumerOffsets.Topic, 12, ErrorCode.None, 0, -1));
        var next = broker.ExpectMsg<ProduceRequest>();
        Assert.Equal([ConsumerOffsets.OffsetCommitValue(2, -1, "", 1), ConsumerOffsets.OffsetCommitValue(3, -1, "", 1)], Values(next));
    }

    [Fact]
    public void A_missing_topic_is_asked_of_the_controller_and_the_write_retried()
    {
        var broker = CreateTestProbe();
        var writer = Sys.ActorOf(ConsumerOffsetsWriter.Props(broker.Ref, Partitions, 1_000_000, TimeSpan.FromSeconds(30), "spec"));

        writer.Tell(Commit("hello", "t", 7));
        var first = broker.ExpectMsg<ProduceRequest>();
        Assert.Equal(22, first.Partition); // Java's "hello".hashCode() is 99162322
        broker.LastSender.Tell(new ProduceResponse(ConsumerOffsets.Topic, 22, ErrorCode.UnknownTopicOrPartition, -1, -1));

        Assert.Equal(new CreateInternalTopic(ConsumerOffsets.Topic, Partitions), broker.ExpectMsg<CreateInternalTopic>());
        broker.Reply(new TopicCommandResult(ConsumerOffsets.Topic, ErrorCode.None, "Created internal topic __consumer_offsets with 50 partitions."));
        Assert.Equal(Values(first), Values(broker.ExpectMsg<ProduceRequest>()));
    }
}
