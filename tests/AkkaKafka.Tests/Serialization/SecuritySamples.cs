using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Tests.Serialization;

/// <summary>A user with both SCRAM credentials and a rule of every resource type and operation, for the serializer samples.</summary>
public static class SecuritySamples
{
    public static readonly UserCredentials Alice = new("alice",
    [
        ScramCredential.Create(SaslMechanisms.ScramSha256, "alice-secret", salt: [1, 2, 3]),
        ScramCredential.Create(SaslMechanisms.ScramSha512, "pässwörd", iterations: 16384),
    ]);

    public static readonly IReadOnlyList<AclRule> Rules =
    [
        new("alice", AclResourceType.Topic, "orders", AclOperation.Read),
        new("*", AclResourceType.Topic, "orders-*", AclOperation.Write),
        new("bob", AclResourceType.Group, "*", AclOperation.All),
        new("carol", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create),
        new("dave", AclResourceType.Topic, "t", AclOperation.Delete),
        new("dave", AclResourceType.Topic, "t", AclOperation.Describe),
        new("dave", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Alter),
    ];
}
