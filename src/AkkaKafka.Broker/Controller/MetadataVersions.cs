using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// What a published <see cref="ClusterMetadata"/> says beyond its content: its version carries the epoch of the
/// controller that published it (high 32 bits) and that controller's count of publications (low 32 bits), so versions
/// only grow across controllers and a broker can tell a stale controller's publication from a current one.
/// And when two publications say the same thing, compared by value: records compare their lists by reference.
/// </summary>
public static class MetadataVersions
{
    public static long Of(long controllerEpoch, long publication) => (controllerEpoch << 32) + publication;

    /// <summary>The epoch of the controller that published this version (0 for <see cref="ClusterMetadata.Empty"/>).</summary>
    public static long ControllerEpochOf(long version) => version >> 32;

    public static long ControllerEpochOf(ClusterMetadata metadata) => ControllerEpochOf(metadata.Version);

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> say the same thing, whatever their versions.</summary>
    public static bool SameContent(ClusterMetadata a, ClusterMetadata b) =>
        a.Controller == b.Controller
        && a.Brokers.SequenceEqual(b.Brokers)
        && a.Topics.Count == b.Topics.Count
        && a.Topics.Zip(b.Topics).All(x => SameContent(x.Item1, x.Item2));

    /// <summary>Whether two versions of one topic's metadata say the same thing (name, id, retention, every owner and epoch).</summary>
    public static bool SameContent(TopicMetadata a, TopicMetadata b) =>
        a.Name == b.Name && a.TopicId == b.TopicId && a.PartitionCount == b.PartitionCount
        && a.RetentionMs == b.RetentionMs && a.RetentionBytes == b.RetentionBytes
        && a.Partitions.SequenceEqual(b.Partitions);
}
