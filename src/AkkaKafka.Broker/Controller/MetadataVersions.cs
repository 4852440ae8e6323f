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

    /// <summary>
    /// What the controller publishes when its state gives <paramref name="next"/>: null when it says what
    /// <paramref name="published"/> already says (a refresh with no change sends no new version), else
    /// <paramref name="next"/> as publication number <paramref name="publication"/> of <paramref name="controllerEpoch"/>.
    /// </summary>
    public static ClusterMetadata? NextPublication(ClusterMetadata published, ClusterMetadata next, long controllerEpoch, long publication) =>
        published.Version != 0 && SameContent(next, published) ? null : next with { Version = Of(controllerEpoch, publication) };

    /// <summary>Whether a broker tells a topic's TopicActor about <paramref name="next"/>: only when it is new or changed by value.</summary>
    public static bool Changed(TopicMetadata? previous, TopicMetadata next) => previous is null || !SameContent(previous, next);

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> say the same thing, whatever their versions.</summary>
    public static bool SameContent(ClusterMetadata a, ClusterMetadata b) =>
        a.Controller == b.Controller
        && a.Brokers.SequenceEqual(b.Brokers)
        && a.Topics.Count == b.Topics.Count
        && a.Topics.Zip(b.Topics).All(x => SameContent(x.Item1, x.Item2));

    /// <summary>Whether two versions of one topic's metadata say the same thing (name, id, retention, every owner and epoch).</summary>
    public static bool SameContent(TopicMetadata a, TopicMetadata b) =>
        a.Name == b.Name && a.TopicId == b.TopicId && a.PartitionCount == b.PartitionCount
        && a.RetentionMs == b.RetentionMs && a.RetentionBytes == b.RetentionBytes && a.TimestampType == b.TimestampType
        && a.Partitions.SequenceEqual(b.Partitions);
}
