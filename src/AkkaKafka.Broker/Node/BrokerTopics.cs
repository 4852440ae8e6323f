using Akka.Actor;
using Akka.Event;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Topic;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// The BrokerActor's metadata cache: the newest metadata the controller published to this broker, and a TopicActor
/// (a child of the BrokerActor) per topic it names, told only what changed. Not an actor: a part of the BrokerActor,
/// used on its thread only.
/// </summary>
internal sealed class BrokerTopics(IActorContext context, BrokerSettings settings, string self, ILoggingAdapter logger)
{
    private readonly IActorContext _context = context;
    private readonly BrokerSettings _settings = settings;
    private readonly string _self = self;
    private readonly ILoggingAdapter _logger = logger;
    /// <summary>Per topic, its TopicActor and the metadata it was last told (to tell it only what changed).</summary>
    private readonly Dictionary<string, (IActorRef Actor, TopicMetadata Told)> _topics = new(StringComparer.Ordinal);

    public ClusterMetadata Metadata { get; private set; } = ClusterMetadata.Empty;

    /// <summary>The TopicActor of <paramref name="topic"/> on this broker, if it runs one.</summary>
    public bool TryGetLocal(string topic, out IActorRef actor)
    {
        var found = _topics.TryGetValue(topic, out var local);
        actor = local.Actor;
        return found;
    }

    /// <summary>
    /// Takes newer metadata. A publication of a controller epoch older than one this broker has heard from comes from
    /// a stale controller (one that has not yet learnt it was superseded): it is ignored, and logged. A topic whose
    /// metadata did not change (by value) is not told anything.
    /// </summary>
    public void Update(ClusterMetadata metadata)
    {
        var epoch = MetadataVersions.ControllerEpochOf(metadata);
        var current = MetadataVersions.ControllerEpochOf(Metadata);
        if (epoch < current)
        {
            _logger.Warning("Ignored metadata version {0} from controller epoch {1} ({2}): this broker has metadata of controller epoch {3}",
                metadata.Version, epoch, metadata.Controller ?? "no controller", current);
            return;
        }
        if (metadata.Version <= Metadata.Version) return;
        Metadata = metadata;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in metadata.Topics)
        {
            live.Add(topic.Name);
            if (_topics.TryGetValue(topic.Name, out var existing) && existing.Told.TopicId == topic.TopicId)
            {
                // Compared with what this topic's actor was told, not looked up in the previous metadata: a lookup by
                // name per topic made every new version cost topics² on the actor that routes every request.
                if (MetadataVersions.Changed(existing.Told, topic))
                {
                    existing.Actor.Tell(new TopicAssignment(topic, _self, epoch));
                    _topics[topic.Name] = (existing.Actor, topic);
                }
                continue;
            }
            if (_topics.Remove(topic.Name, out var stale)) stale.Actor.Tell(TopicRemoved.Instance);
            var actor = _context.ActorOf(TopicActor.Props(new TopicAssignment(topic, _self, epoch), _settings), $"topic-{Uri.EscapeDataString(topic.Name)}-{topic.TopicId}");
            _topics[topic.Name] = (actor, topic);
        }
        foreach (var name in _topics.Keys.Where(n => !live.Contains(n)).ToList())
        {
            _logger.Info("Topic {0} was deleted; removing its partitions on this broker", name);
            _topics.Remove(name, out var removed);
            removed.Actor.Tell(TopicRemoved.Instance);
        }
    }
}
