using AkkaKafka.Broker.Group;
using System.Runtime.Serialization;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Serialization;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Serialization;

/// <summary>
/// Every wire message and every persisted event goes through Akka serialization as configured by the hocon files:
/// bound to its own serializer (never a JSON fallback) and read back exactly, while damaged bytes are refused.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class SerializerSpecs(ITestOutputHelper output) : TestKit(TestConfigs.WithoutStorage(TestConfigs.Local), "serializer-specs", output)
{
    private (Serializer Serializer, string Manifest, byte[] Bytes) Serialize(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        return (serializer, Akka.Serialization.Serialization.ManifestFor(serializer, message), serializer.ToBinary(message));
    }

    private object Deserialize(Serializer serializer, string manifest, byte[] bytes) =>
        Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

    [Theory]
    [MemberData(nameof(ProtocolSamples.Names), MemberType = typeof(ProtocolSamples))]
    public void Every_wire_message_is_bound_to_the_protocol_serializer_and_reads_back_the_same(string sample)
    {
        var message = ProtocolSamples.All[sample];

        var (serializer, manifest, bytes) = Serialize(message);

        Assert.IsType<ProtocolSerializer>(serializer);
        Structural.AssertEqual(message, Deserialize(serializer, manifest, bytes));
    }

    [Theory]
    [MemberData(nameof(StorageSamples.Names), MemberType = typeof(StorageSamples))]
    public void Every_persisted_event_and_snapshot_is_bound_to_the_storage_serializer_and_reads_back_the_same(string sample)
    {
        var stored = StorageSamples.All[sample];

        var (serializer, manifest, bytes) = Serialize(stored);

        Assert.IsType<StorageSerializer>(serializer);
        Structural.AssertEqual(stored, Deserialize(serializer, manifest, bytes));
    }

    [Theory]
    [InlineData("produce, acks all")]
    [InlineData("forwarded produce")]
    public void A_produced_batch_is_read_back_as_a_slice_of_the_payload_not_a_copy(string sample)
    {
        var (serializer, manifest, bytes) = Serialize(ProtocolSamples.All[sample]);

        var read = Deserialize(serializer, manifest, bytes);

        var produce = read as ProduceRequest ?? (ProduceRequest)((ForwardedRequest)read).Request;
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(produce.Batch, out var segment));
        Assert.Same(bytes, segment.Array);
        // Written once, last: the payload is the batch plus a few header bytes, with no second copy of the batch.
        Assert.InRange(bytes.Length - produce.Batch.Length, 1, 64);
    }

    [Fact]
    public void Metadata_in_the_layout_before_kafka_node_ids_still_reads_back_with_no_node_ids_or_endpoints()
    {
        // Version 1, as a broker not yet upgraded sends it: brokers are (id, status, age rank) only.
        var w = new WireWriter();
        w.VarLong(9).String("127.0.0.1:4053");
        w.List(new[] { "127.0.0.1:4053", "127.0.0.1:4054" }, (x, id) => x.String(id).String("Up").VarInt(id.EndsWith('3') ? 0 : 1));
        w.List(Array.Empty<TopicMetadata>(), (_, _) => { });
        var protocol = Sys.Serialization.FindSerializerForType(typeof(IAkkaKafkaMessage));
        var expected = new ClusterMetadata(9, "127.0.0.1:4053", [new BrokerInfo("127.0.0.1:4053", "Up", 0), new BrokerInfo("127.0.0.1:4054", "Up", 1)], []);

        Structural.AssertEqual(new MetadataPublished(expected), Deserialize(protocol, "mp1", w.ToArray()));
        Structural.AssertEqual(new MetadataResponse(expected), Deserialize(protocol, "mr1", w.ToArray()));
        Structural.AssertEqual(expected, Deserialize(protocol, "cm1", w.ToArray()));
        Assert.Equal(BrokerInfo.NoNodeId, expected.ControllerNodeId);
    }

    [Fact]
    public void A_controller_snapshot_written_before_kafka_node_ids_still_reads_back_with_none()
    {
        var w = new WireWriter();
        w.VarLong(4);
        w.List(new[] { new TopicConfig("orders", 2, 2, -1, 1 << 30, Batches.T0) },
            (x, t) => x.String(t.Name).VarLong(t.TopicId).VarInt(t.Partitions).VarLong(t.RetentionMs).VarLong(t.RetentionBytes).VarLong(t.CreatedAtMs));
        w.List(new[] { new AssignmentEntry("orders", 0, "127.0.0.1:4053", 3) }, (x, a) => x.String(a.Topic).VarInt(a.Partition).String(a.Owner).VarLong(a.Epoch));
        var storage = Sys.Serialization.FindSerializerForType(typeof(IControllerEvent));

        Structural.AssertEqual(
            new ControllerSnapshot(4, [new TopicConfig("orders", 2, 2, -1, 1 << 30, Batches.T0)], [new AssignmentEntry("orders", 0, "127.0.0.1:4053", 3)], []),
            Deserialize(storage, "CS1", w.ToArray()));
    }

    [Fact]
    public void A_partition_snapshot_written_before_idempotent_producers_still_reads_back_with_none()
    {
        var w = new WireWriter();
        w.VarLong(10).VarLong(0).VarLong(2);
        w.List(new[] { new Segment(1, 3, 0, 10, 300, Batches.T0, 3) },
            (x, g) => x.VarLong(g.FirstSequenceNr).VarLong(g.LastSequenceNr).VarLong(g.BaseOffset).VarLong(g.NextOffset).VarLong(g.Bytes).VarLong(g.MaxTimestamp).VarInt(g.Batches));
        var storage = Sys.Serialization.FindSerializerForType(typeof(IPartitionEvent));

        Structural.AssertEqual(new PartitionSnapshot(10, 0, 2, [new Segment(1, 3, 0, 10, 300, Batches.T0, 3)]), Deserialize(storage, "PS1", w.ToArray()));
    }

    [Fact]
    public void Topic_events_written_before_message_timestamp_type_still_read_back_as_CreateTime()
    {
        var storage = Sys.Serialization.FindSerializerForType(typeof(IControllerEvent));
        var created = new WireWriter();
        created.String("orders").VarInt(3).VarLong(604_800_000).VarLong(-1).VarLong(Batches.T0);
        var altered = new WireWriter();
        altered.String("orders").VarLong(60_000).VarLong(-1);

        Structural.AssertEqual(new TopicCreated("orders", 3, 604_800_000, -1, Batches.T0, AkkaKafka.Protocol.Records.TimestampType.CreateTime),
            Deserialize(storage, "TC1", created.ToArray()));
        Structural.AssertEqual(new TopicConfigsAltered("orders", 60_000, -1, AkkaKafka.Protocol.Records.TimestampType.CreateTime),
            Deserialize(storage, "TA1", altered.ToArray()));
    }

    [Fact]
    public void A_batch_event_is_stored_as_the_record_batch_bytes_themselves()
    {
        var appended = (BatchAppended)StorageSamples.All["batch appended"];

        Assert.Equal(appended.Batch, Serialize(appended).Bytes);
    }

    [Fact]
    public void A_forwarded_request_reads_back_as_the_same_request_type()
    {
        foreach (var forwarded in ProtocolSamples.All.Values.OfType<ForwardedRequest>())
        {
            var (serializer, manifest, bytes) = Serialize(forwarded);
            var back = Assert.IsType<ForwardedRequest>(Deserialize(serializer, manifest, bytes));
            Assert.IsType(forwarded.Request.GetType(), back.Request);
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.StructuredNames), MemberType = typeof(ProtocolSamples))]
    public void A_truncated_wire_message_is_refused(string sample)
    {
        var (serializer, manifest, bytes) = Serialize(ProtocolSamples.All[sample]);

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => Deserialize(serializer, manifest, prefix));
        }
    }

    [Theory]
    [MemberData(nameof(StorageSamples.StructuredNames), MemberType = typeof(StorageSamples))]
    public void A_truncated_event_or_snapshot_is_refused(string sample)
    {
        var (serializer, manifest, bytes) = Serialize(StorageSamples.All[sample]);

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => Deserialize(serializer, manifest, prefix));
        }
    }

    [Fact]
    public void Trailing_bytes_after_a_message_are_refused()
    {
        var (serializer, manifest, bytes) = Serialize(new DeleteTopic("orders"));
        var (storage, storageManifest, storageBytes) = Serialize(new TopicDeleted("orders"));

        Assert.Throws<SerializationException>(() => Deserialize(serializer, manifest, [.. bytes, 0]));
        Assert.Throws<SerializationException>(() => Deserialize(storage, storageManifest, [.. storageBytes, 0]));
    }

    [Fact]
    public void A_list_offsets_response_in_the_format_before_timestamps_still_reads_with_timestamp_minus_one()
    {
        var protocol = Sys.Serialization.FindSerializerForType(typeof(IAkkaKafkaMessage));
        var lr1 = new WireWriter(64).String("orders").VarInt(3).Int16((short)AkkaKafka.Protocol.ErrorCode.None).VarLong(17).ToArray();

        var response = Assert.IsType<ListOffsetsResponse>(Deserialize(protocol, "lr1", lr1));

        Assert.Equal(new ListOffsetsResponse("orders", 3, AkkaKafka.Protocol.ErrorCode.None, 17, -1), response);
    }

    [Fact]
    public void An_unknown_manifest_is_refused()
    {
        var protocol = Sys.Serialization.FindSerializerForType(typeof(IAkkaKafkaMessage));
        var storage = Sys.Serialization.FindSerializerForType(typeof(IPartitionEvent));

        Assert.Throws<SerializationException>(() => Deserialize(protocol, "zz9", []));
        Assert.Throws<SerializationException>(() => Deserialize(storage, "ZZ9", []));
    }

    [Fact]
    public void The_samples_cover_every_wire_message_type_and_every_partition_request_forwarded()
    {
        var messageTypes = typeof(IAkkaKafkaMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IAkkaKafkaMessage).IsAssignableFrom(t));
        var sampled = ProtocolSamples.All.Values.Select(m => m.GetType()).ToHashSet();
        var forwarded = ProtocolSamples.All.Values.OfType<ForwardedRequest>().Select(f => f.Request.GetType()).ToHashSet();

        Assert.Empty(messageTypes.Where(t => !sampled.Contains(t)).Select(t => t.Name));
        Assert.Empty(messageTypes.Where(t => typeof(IPartitionRequest).IsAssignableFrom(t) && !forwarded.Contains(t)).Select(t => t.Name));
    }

    [Fact]
    public void The_samples_cover_every_persisted_event_and_snapshot_type()
    {
        var storedTypes = typeof(StorageSerializer).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false }
                        && (typeof(IPartitionEvent).IsAssignableFrom(t) || typeof(IControllerEvent).IsAssignableFrom(t) || typeof(IGroupEvent).IsAssignableFrom(t)))
            .Append(typeof(PartitionSnapshot))
            .Append(typeof(ControllerSnapshot))
            .Append(typeof(GroupSnapshot));
        var sampled = StorageSamples.All.Values.Select(m => m.GetType()).ToHashSet();

        Assert.Empty(storedTypes.Where(t => !sampled.Contains(t)).Select(t => t.Name));
    }
}
