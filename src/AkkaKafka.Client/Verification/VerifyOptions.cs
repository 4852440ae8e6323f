using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Verification;

/// <summary>How to run <c>akkakafka verify</c> against a running cluster (see <see cref="VerifyRun"/>).</summary>
public sealed record VerifyOptions
{
    public required IReadOnlyList<HostPort> Bootstrap { get; init; }
    /// <summary>The topic to write; null: a fresh one named verify-RANDOM, created with <see cref="Partitions"/>.</summary>
    public string? Topic { get; init; }
    /// <summary>Partitions of a topic the run creates; an existing topic keeps its own.</summary>
    public int Partitions { get; init; } = 6;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);
    public int Producers { get; init; } = 2;
    /// <summary>Records per second over all producers.</summary>
    public int Rate { get; init; } = 100;
    /// <summary>Keys per producer: each key is a stream whose sequence numbers must stay in order within its partition.</summary>
    public int KeysPerProducer { get; init; } = 4;
    /// <summary>Records a producer may have unacknowledged at once; when full it waits rather than drop a record.</summary>
    public int Window { get; init; } = 64;
    /// <summary>
    /// Transactional writers and read_committed readers (<see cref="TransactionalVerifyRun"/>) instead of sequenced
    /// producers: <see cref="Producers"/> writers, each with its own transactional id.
    /// </summary>
    public bool Transactions { get; init; }
    /// <summary>With <see cref="Transactions"/>: a transaction writes 1 to this many records (chosen at random).</summary>
    public int MaxTransactionSize { get; init; } = 10;
    /// <summary>Faults to inject while producing; null: none.</summary>
    public ChaosOptions? Chaos { get; init; }
    /// <summary>What the run is doing, a line at a time (stderr in the CLI).</summary>
    public Action<string> Progress { get; init; } = _ => { };
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first problem with these options, or null when they can be run.</summary>
    public string? Validate()
    {
        if (Bootstrap.Count == 0) return "--bootstrap needs at least one HOST:PORT";
        if (Partitions < 1) return $"--partitions must be at least 1, got {Partitions}";
        if (Duration <= TimeSpan.Zero) return "--duration must be more than 0";
        if (Producers < 1) return $"--producers must be at least 1, got {Producers}";
        if (Rate < 1) return $"--rate must be at least 1 record per second, got {Rate}";
        if (MaxTransactionSize < 1) return $"--transaction-size must be at least 1, got {MaxTransactionSize}";
        if (Chaos is { } chaos)
        {
            if (chaos.BrokerPids.Count == 0) return "--chaos needs --broker-pids PID,PID,... (the only processes it may signal)";
            if (chaos.BrokerPids.Any(p => p <= 1)) return "--broker-pids: every pid must be more than 1";
            if (chaos.BrokerPids.Distinct().Count() != chaos.BrokerPids.Count) return "--broker-pids: a pid is given twice";
            if (chaos.Interval <= TimeSpan.Zero) return "--chaos-interval must be more than 0";
        }
        return null;
    }
}

/// <summary>
/// Which broker processes the chaos may signal, how often, and how to start one again after a SIGKILL or SIGTERM.
/// Without <see cref="RestartCommand"/> a broker that stops cannot come back, so only SIGSTOP/SIGCONT are sent.
/// </summary>
public sealed record ChaosOptions
{
    public required IReadOnlyList<int> BrokerPids { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// A shell command that runs one broker in the foreground ({n}: the broker's 1-based place in
    /// <see cref="BrokerPids"/>, {pid}: the pid it replaces). It is exec'ed, so its pid is the new broker's.
    /// </summary>
    public string? RestartCommand { get; init; }
    /// <summary>Seed of the fault schedule; the same seed gives the same schedule (not the same timing against the traffic).</summary>
    public int Seed { get; init; } = Random.Shared.Next();
}
