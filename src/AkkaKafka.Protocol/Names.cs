namespace AkkaKafka.Protocol;

/// <summary>Names shared by brokers and clients; kept in one place so both sides agree.</summary>
public static class Names
{
    /// <summary>The ActorSystem name of every broker node; part of every remote address.</summary>
    public const string BrokerSystem = "akkakafka";

    /// <summary>The cluster role of broker nodes. Clients are never cluster members.</summary>
    public const string BrokerRole = "broker";

    /// <summary>Path of the per-node BrokerActor, registered with the ClusterClientReceptionist.</summary>
    public const string BrokerPath = "/user/broker";

    public const string BrokerActorName = "broker";
    public const string ZookeeperSingletonName = "zookeeper";
    public const string ZookeeperProxyName = "zookeeper-proxy";
    public const string GroupCoordinatorSingletonName = "group-coordinator";
    public const string GroupCoordinatorProxyName = "group-coordinator-proxy";
    public const string TransactionCoordinatorSingletonName = "transaction-coordinator";
    public const string TransactionCoordinatorProxyName = "transaction-coordinator-proxy";

    public const int DefaultRemotingPort = 4053;
    public const string DefaultBootstrap = "127.0.0.1:4053";
}
