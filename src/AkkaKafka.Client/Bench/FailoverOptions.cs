namespace AkkaKafka.Client.Bench;

/// <summary>Which broker a failover round kills.</summary>
public enum FailoverVictim
{
    /// <summary>The controller (the oldest broker, where the ZookeeperActor singleton runs).</summary>
    Leader,
    /// <summary>Any broker but the controller.</summary>
    Member,
    /// <summary>Any broker.</summary>
    Random,
}

/// <summary>
/// How to run `akkakafka bench failover`: a local cluster of <see cref="Brokers"/> broker processes on 127.0.0.1, with
/// the brokers' default settings, and <see cref="Rounds"/> SIGKILLs of a <see cref="Victim"/>.
/// </summary>
public sealed record FailoverOptions
{
    /// <summary>The broker program: started as <c>FileName LeadingArguments... broker --port P ...</c>.</summary>
    public required BrokerLauncher Launcher { get; init; }
    public int Brokers { get; init; } = 3;
    public int Rounds { get; init; } = 5;
    /// <summary>Remoting port of the first broker; the others use the ports after it.</summary>
    public int BasePort { get; init; } = 15053;
    public int Partitions { get; init; } = 6;
    /// <summary>Data directory shared by the brokers (kept afterwards); null: a fresh temporary one, deleted afterwards.</summary>
    public string? DataDirectory { get; init; }
    public FailoverVictim Victim { get; init; } = FailoverVictim.Leader;
    /// <summary>Bound on each wait: the cluster starting, a failover, a restart settling.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>One record to every partition this often, whatever happens to earlier ones.</summary>
    public TimeSpan SendInterval { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>Result lines (stdout in the CLI).</summary>
    public Action<string> Output { get; init; } = _ => { };
    /// <summary>What the benchmark is doing (stderr in the CLI).</summary>
    public Action<string> Progress { get; init; } = _ => { };
}

/// <summary>How to start the akkakafka program: an executable, and arguments before the subcommand (e.g. the dll for "dotnet").</summary>
public sealed record BrokerLauncher(string FileName, IReadOnlyList<string> LeadingArguments);

/// <summary>One SIGKILL and what it cost: the victim, the partitions it owned, and how long until they took writes again.</summary>
public sealed record FailoverRound(int Number, string Victim, bool VictimWasLeader, IReadOnlyList<int> Partitions, TimeSpan FirstProduce, TimeSpan AllPartitions)
{
    public override string ToString() =>
        $"round {Number}: killed {(VictimWasLeader ? "leader" : "member")} {Victim} (partitions {string.Join(",", Partitions)}): " +
        $"first produce to an affected partition after {Seconds(FirstProduce)} s, all affected partitions after {Seconds(AllPartitions)} s";

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record FailoverResult(IReadOnlyList<FailoverRound> Rounds, long FailedRecords)
{
    public static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        if (sorted.Count == 0) return TimeSpan.Zero;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Median, min and max over the rounds, one line per figure.</summary>
    public IEnumerable<string> Summary()
    {
        yield return Line("first produce to an affected partition", Rounds.Select(r => r.FirstProduce).ToList());
        yield return Line("all affected partitions", Rounds.Select(r => r.AllPartitions).ToList());
        if (FailedRecords > 0) yield return $"{FailedRecords:N0} records FAILED (not retried to success within the producer's delivery timeout)";
    }

    private string Line(string what, IReadOnlyList<TimeSpan> values) =>
        $"{what}: median {FailoverRound.Seconds(Median(values))} s, min {FailoverRound.Seconds(values.Min())} s, " +
        $"max {FailoverRound.Seconds(values.Max())} s over {values.Count} round{(values.Count == 1 ? "" : "s")}";
}

/// <summary>The cluster could not be started, or a round did not finish in time: one line for the user.</summary>
public sealed class FailoverBenchException(string message) : Exception(message);
