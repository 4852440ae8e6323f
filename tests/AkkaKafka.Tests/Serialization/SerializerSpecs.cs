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
    [MemberData(nameof(ProtocolSamples.Names), MemberType = typeof(ProtocolSamples))]
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
                        && (typeof(IPartitionEvent).IsAssignableFrom(t) || typeof(IControllerEvent).IsAssignableFrom(t)))
            .Append(typeof(PartitionSnapshot))
            .Append(typeof(ControllerSnapshot));
        var sampled = StorageSamples.All.Values.Select(m => m.GetType()).ToHashSet();

        Assert.Empty(storedTypes.Where(t => !sampled.Contains(t)).Select(t => t.Name));
    }
}
