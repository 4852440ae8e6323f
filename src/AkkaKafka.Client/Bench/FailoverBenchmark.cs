using System.Diagnostics;
using Akka.Configuration;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Bench;

/// <summary>
/// `akkakafka bench failover`: how long partitions stay unwritable when a broker is SIGKILLed. Starts a local cluster
/// (default settings), keeps a producer writing to every partition, and per round kills a broker, measures from the
/// kill to the first acknowledged produce (of a record sent after the kill) to one of the partitions it owned, and to
/// every one of them, then restarts it and waits until the cluster is whole and balanced again.
/// </summary>
public static class FailoverBenchmark
{
    private const string Topic = "failover-bench";
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(3);
    /// <summary>How long the assignment must stay unchanged (and every partition take writes) before the next kill.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(3);

    public static async Task<FailoverResult> RunAsync(FailoverOptions options, CancellationToken ct)
    {
        if (Validate(options) is { } invalid) throw new ArgumentException(invalid);
        if (options.DataDirectory is { } data && Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
            throw new FailoverBenchException($"data directory '{data}' is not empty; give an empty or new one (or none: a temporary one)");
        using var cluster = new LocalBrokerCluster(options.Launcher, options.Brokers, options.BasePort, options.DataDirectory);
        if (options.DataDirectory is not null) options.Progress($"broker data and logs in {cluster.DataDirectory}");
        return await RunRoundsAsync(cluster, options, ct);
    }

    /// <summary>What is wrong with the options, in the CLI's terms, or null.</summary>
    public static string? Validate(FailoverOptions o)
    {
        // keep-majority: one crashed broker out of two leaves no majority, and the survivor downs itself.
        if (o.Brokers < 3) return "--brokers must be at least 3, so that the survivors of a crash are a majority";
        if (o.Rounds < 1) return "--rounds must be at least 1";
        if (o.Partitions < o.Brokers) return "--partitions must be at least --brokers, so that every broker owns a partition";
        if (o.BasePort < 1 || o.BasePort + o.Brokers - 1 > 65535) return $"--base-port {o.BasePort} leaves no room for {o.Brokers} ports";
        return null;
    }

    private static async Task<FailoverResult> RunRoundsAsync(LocalBrokerCluster cluster, FailoverOptions options, CancellationToken ct)
    {
        options.Progress($"starting {options.Brokers} brokers on {LocalBrokerCluster.Host}:{cluster.Ports[0]}-{cluster.Ports[^1]}");
        await cluster.StartAllAsync(options.RoundTimeout, ct);

        // The measured producer runs on the client's default settings, but quiet: the connection errors every kill
        // causes would drown the figures. The admin connection (not measured) gives up on a silent broker sooner, so
        // that looking at the cluster between rounds does not wait out a dead contact point.
        var quiet = ConfigurationFactory.ParseString("akka { loglevel = OFF, stdout-loglevel = OFF }");
        await using var admin = ClusterConnection.Create(cluster.Addresses, ConfigurationFactory.ParseString("""
            akkakafka.client.request-timeout = 3s
            akka.cluster.client.heartbeat-interval = 500ms
            akka.cluster.client.acceptable-heartbeat-pause = 1500ms
            """).WithFallback(quiet), "akkakafka-failover-admin");
        await using var producerConnection = ClusterConnection.Create(cluster.Addresses, quiet);
        var adminClient = new AdminClient(admin);
        await CreateTopicAsync(adminClient, options, ct);

        await using var producer = new SteadyProducer(producerConnection, Topic, options.Partitions, options.SendInterval);
        producer.Start();
        options.Progress($"producing to {options.Partitions} partitions every {options.SendInterval.TotalMilliseconds:0} ms; waiting for the cluster to settle");
        var status = await AwaitSettledAsync(adminClient, producer, cluster, options, ct);

        var rounds = new List<FailoverRound>();
        for (var n = 1; n <= options.Rounds; n++)
        {
            var round = await RunRoundAsync(n, status, cluster, producer, options, ct);
            rounds.Add(round);
            options.Output(round.ToString());
            if (n < options.Rounds)
            {
                options.Progress($"restarting {round.Victim}; waiting for {options.Brokers} brokers Up and a balanced, steady assignment");
                await RestartAsync(cluster, round.Victim, options, ct);
                status = await AwaitSettledAsync(adminClient, producer, cluster, options, ct);
            }
        }
        var result = new FailoverResult(rounds, producer.Failed);
        foreach (var line in result.Summary()) options.Output(line);
        return result;
    }

    private static async Task CreateTopicAsync(AdminClient admin, FailoverOptions options, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var created = await admin.CreateTopicAsync(Topic, options.Partitions, ct: ct);
                if (created.IsSuccess || created.Error == ErrorCode.TopicAlreadyExists) return;
                throw new FailoverBenchException($"cannot create topic {Topic}: {created.Message}");
            }
            catch (ClusterUnavailableException) when (deadline.Elapsed < options.RoundTimeout)
            {
                await Task.Delay(250, ct);
            }
            catch (ClusterUnavailableException e)
            {
                throw new FailoverBenchException($"cannot create topic {Topic}: {e.Message}");
            }
        }
    }

    private static async Task<FailoverRound> RunRoundAsync(int number, ClusterStatus status, LocalBrokerCluster cluster, SteadyProducer producer,
        FailoverOptions options, CancellationToken ct)
    {
        var topic = status.Metadata.Topic(Topic)!;
        var leader = status.Leader;
        var candidates = cluster.Ports.Select(LocalBrokerCluster.IdOf).ToList();
        var victim = options.Victim switch
        {
            FailoverVictim.Leader => leader ?? throw new FailoverBenchException($"round {number}: the cluster reports no leader"),
            FailoverVictim.Member => candidates.Where(c => c != leader).OrderBy(_ => Random.Shared.Next()).First(),
            _ => candidates[Random.Shared.Next(candidates.Count)],
        };
        var port = cluster.Ports.First(p => LocalBrokerCluster.IdOf(p) == victim);
        var partitions = topic.Partitions.Where(p => p.Owner == victim).Select(p => p.Partition).ToList();
        if (partitions.Count == 0) throw new FailoverBenchException($"round {number}: victim {victim} owns no partition of {Topic}");

        options.Progress($"round {number}: killing {(victim == leader ? "leader" : "member")} {victim} (owner of partitions {string.Join(",", partitions)}) at {DateTime.UtcNow:HH:mm:ss.fff}Z");
        var killed = Stopwatch.GetTimestamp();
        var watch = producer.Watch(killed, partitions);
        try
        {
            cluster.Kill(port);
            try
            {
                await watch.AllAcknowledged.WaitAsync(options.RoundTimeout, ct);
            }
            catch (TimeoutException)
            {
                var missing = partitions.Except(watch.FirstAcks.Keys);
                throw new FailoverBenchException(
                    $"round {number}: partitions {string.Join(",", missing)} of {victim} took no write within {options.RoundTimeout.TotalSeconds:0} s after the kill");
            }
        }
        finally
        {
            producer.Unwatch(watch);
        }
        var acks = watch.FirstAcks.Values.ToList();
        return new FailoverRound(number, victim, victim == leader, partitions,
            Stopwatch.GetElapsedTime(killed, acks.Min()), Stopwatch.GetElapsedTime(killed, acks.Max()));
    }

    private static async Task RestartAsync(LocalBrokerCluster cluster, string victim, FailoverOptions options, CancellationToken ct)
    {
        var port = cluster.Ports.First(p => LocalBrokerCluster.IdOf(p) == victim);
        await cluster.StartAsync(port, options.RoundTimeout, ct);
    }

    /// <summary>
    /// Waits until every broker is Up and reachable, every partition is owned by one of them and the spread is even,
    /// every partition acknowledged a record sent after that, and the assignment stayed the same for <see cref="SettleTime"/>.
    /// </summary>
    private static async Task<ClusterStatus> AwaitSettledAsync(AdminClient admin, SteadyProducer producer, LocalBrokerCluster cluster,
        FailoverOptions options, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        var all = Enumerable.Range(0, options.Partitions).ToList();
        string? lastProblem = null;
        while (deadline.Elapsed < options.RoundTimeout)
        {
            var status = await TryStatusAsync(admin, ct);
            lastProblem = status is null ? "no cluster status" : Problem(status, cluster, options);
            if (lastProblem is null)
            {
                var watch = producer.Watch(Stopwatch.GetTimestamp(), all);
                try
                {
                    var remaining = options.RoundTimeout - deadline.Elapsed;
                    if (remaining > TimeSpan.Zero && await watch.AllAcknowledged.WaitAsync(remaining, ct).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default))
                    {
                        await Task.Delay(SettleTime, ct);
                        var again = await TryStatusAsync(admin, ct);
                        if (again is not null && Problem(again, cluster, options) is null && SameAssignment(status!, again)) return again;
                        lastProblem = "the assignment changed while settling";
                    }
                    else lastProblem = "not every partition took a write";
                }
                finally
                {
                    producer.Unwatch(watch);
                }
            }
            await Task.Delay(250, ct);
        }
        throw new FailoverBenchException($"the cluster did not settle within {options.RoundTimeout.TotalSeconds:0} s ({lastProblem})");
    }

    private static async Task<ClusterStatus?> TryStatusAsync(AdminClient admin, CancellationToken ct)
    {
        try
        {
            return await admin.ClusterStatusAsync(ct).WaitAsync(StatusTimeout, ct);
        }
        catch (Exception e) when (e is ClusterUnavailableException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Why the cluster is not in shape for the next round, or null when it is.</summary>
    private static string? Problem(ClusterStatus status, LocalBrokerCluster cluster, FailoverOptions options)
    {
        var expected = cluster.Ports.Select(LocalBrokerCluster.IdOf).ToHashSet();
        var up = status.Members.Where(m => m.Status == "Up").Select(m => HostPortOf(m.Address)).ToHashSet();
        if (!expected.SetEquals(up) || status.Members.Count != expected.Count)
            return $"members: {string.Join(", ", status.Members.Select(m => $"{HostPortOf(m.Address)} {m.Status}"))}";
        var topic = status.Metadata.Topic(Topic);
        if (topic is null) return $"topic {Topic} not in the metadata yet";
        if (topic.Partitions.Any(p => p.Owner is null || !expected.Contains(p.Owner))) return "a partition has no live owner";
        var floor = options.Partitions / options.Brokers;
        var ceil = floor + (options.Partitions % options.Brokers == 0 ? 0 : 1);
        var counts = expected.ToDictionary(b => b, b => topic.Partitions.Count(p => p.Owner == b));
        if (counts.Values.Any(c => c < floor || c > ceil)) return "partitions not spread evenly yet";
        return null;
    }

    private static bool SameAssignment(ClusterStatus a, ClusterStatus b) =>
        a.Leader == b.Leader && a.Metadata.Topic(Topic)!.Partitions.SequenceEqual(b.Metadata.Topic(Topic)!.Partitions);

    private static string HostPortOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[(at + 1)..];
    }
}
