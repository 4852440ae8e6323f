namespace AkkaKafka.Protocol;

/// <summary>Kafka's acks setting: when a produce is acknowledged.</summary>
public enum Acks : sbyte
{
    /// <summary>Fire and forget: the broker sends no reply.</summary>
    None = 0,
    /// <summary>After the partition owner's journal write.</summary>
    Leader = 1,
    /// <summary>After the journal write; with one durable copy per partition this equals <see cref="Leader"/>.</summary>
    All = -1,
}

public static class AcksParser
{
    public static bool TryParse(string text, out Acks acks)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "0": acks = Acks.None; return true;
            case "1": acks = Acks.Leader; return true;
            case "all" or "-1": acks = Acks.All; return true;
            default: acks = Acks.All; return false;
        }
    }
}
