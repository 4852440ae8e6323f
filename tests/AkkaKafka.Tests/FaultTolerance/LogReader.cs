using AkkaKafka.Client.Verification;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>The final log read of <see cref="global::AkkaKafka.Client.Verification.LogReader"/> through a connection of its own with the specs' client timings.</summary>
public static class LogReader
{
    public static async Task<IReadOnlyList<PartitionRead>> ReadAsync(IEnumerable<int> ports, string topic, IReadOnlyList<int> partitions, TimeSpan within)
    {
        var connection = Clients.Connect(ports, "log-reader");
        try
        {
            return await global::AkkaKafka.Client.Verification.LogReader.ReadAsync(connection, topic, partitions, within);
        }
        finally
        {
            await Clients.CloseAsync(connection);
        }
    }
}
