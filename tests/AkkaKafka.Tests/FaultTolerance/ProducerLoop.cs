using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Client.Verification;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// A producer (acks=all) of the Akka client sending unique values "p{id}-{seq}" to explicit partitions in turn, at
/// most <paramref name="window"/> records unacknowledged at a time, recording every acknowledgement and every failure
/// (<see cref="SendLoop"/>).
/// </summary>
public sealed class ProducerLoop(int id, ClusterConnection connection, string topic, int partitions, DeliveryRecorder recorder, int window = 32)
    : SendLoop($"p{id}", partitions, recorder, window)
{
    private readonly Producer _producer = new(connection, clientId: $"chaos-producer-{id}");

    protected override void Send(string value, int partition) =>
        _producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes(value), Partition: partition)).ContinueWith(t =>
            Resolve(value, r => r.Completed(value, t.IsCompletedSuccessfully ? new Ack(value, t.Result.Partition, t.Result.Offset) : null,
                t.Exception?.GetBaseException())), TaskScheduler.Default);
}
