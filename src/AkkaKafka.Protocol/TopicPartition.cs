namespace AkkaKafka.Protocol;

/// <summary>A partition of a topic: the unit of ordering, ownership and storage.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}
