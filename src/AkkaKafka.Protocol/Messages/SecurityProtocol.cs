using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// Published by the controller to every BrokerActor on each change of users or ACLs (and periodically, as the
/// metadata). Brokers only: it carries the salted credentials, so it is never part of the ClusterMetadata clients get.
/// </summary>
public sealed record SecurityPublished(SecurityMetadata Security) : IAkkaKafkaMessage;
