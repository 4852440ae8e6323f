using Akka.Actor;

namespace AkkaKafka.Broker;

/// <summary>A broker is named by its remoting endpoint, "host:port", the same text users pass to --bootstrap.</summary>
public static class BrokerIds
{
    public static string Of(Address address) => $"{address.Host}:{address.Port}";

    public static Address ToAddress(string brokerId, string protocol = "akka.tcp")
    {
        var colon = brokerId.LastIndexOf(':');
        return new Address(protocol, AkkaKafka.Protocol.Names.BrokerSystem, brokerId[..colon], int.Parse(brokerId[(colon + 1)..]));
    }
}
