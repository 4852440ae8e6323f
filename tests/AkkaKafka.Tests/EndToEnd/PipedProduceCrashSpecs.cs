using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// The probe of issue 10: `seq 1 200000 | akkakafka produce --acks all` into one broker that is SIGKILLed mid-way
/// and restarted on the same data. What the producer says is the truth: with idempotence (the default) and the broker
/// back within the delivery timeout it exits 0 and every record is stored exactly once; a record it reports failed is
/// not in the log; and nothing is ever stored twice.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class PipedProduceCrashSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Records = 200_000;
    private const string Topic = "piped";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly BrokerProcesses _cluster = new(1);

    public Task InitializeAsync() => _cluster.StartAllAsync();

    public Task DisposeAsync()
    {
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    private static byte[] Lines(int from, int to)
    {
        var text = new StringBuilder();
        for (var i = from; i <= to; i++) text.Append(i).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Every stored value, read with the console consumer until nothing more comes.</summary>
    private async Task<List<int>> StoredValuesAsync(int? max = null)
    {
        string[] limit = max is { } m ? ["--max-messages", m.ToString()] : [];
        var read = await _cluster.RunAsync(TimeSpan.FromSeconds(180), null,
            ["consume", "--topic", Topic, "--from-beginning", "--timeout-ms", "10000", "--bootstrap", _cluster.Bootstrap, .. limit]);
        Assert.False(read.TimedOut, read.ToString());
        return read.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }

    [Fact]
    public async Task A_broker_killed_and_restarted_under_a_piped_idempotent_produce_ends_with_every_record_stored_once_and_exit_0()
    {
        var port = _cluster.Ports[0];
        var created = await _cluster.RunAsync(CommandTimeout, null, "topic", "create", Topic, "--partitions", "3", "--bootstrap", _cluster.Bootstrap);
        Assert.True(created.ExitCode == 0, created.ToString());

        using var producer = CliProcess.StartWithInput(_cluster.WorkDirectory, redirectInput: true,
            "produce", "--topic", Topic, "--acks", "all", "--timeout", "120", "--bootstrap", _cluster.Bootstrap);
        await producer.Input.WriteAsync(Lines(1, Records / 2));
        await producer.Input.FlushAsync();
        // Mid-way: once the first records are stored, the broker dies with batches in flight and more to come.
        Assert.Equal(1000, (await StoredValuesAsync(max: 1000)).Count);
        _cluster.Kill(port);
        await producer.Input.WriteAsync(Lines(Records / 2 + 1, Records));
        producer.CloseInput();
        await _cluster.StartAsync(port);

        Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(300)), "the producer did not finish\n" + producer);
        var stored = await StoredValuesAsync();
        output.WriteLine($"producer: exit {producer.ExitCode}, stderr: {producer.Stderr}; stored {stored.Count} records, {stored.Distinct().Count()} distinct");

        var duplicated = stored.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} records stored more than once, e.g. {string.Join(",", duplicated.Take(5))}");
        // The producer's count of failed records is the truth: exactly those are missing.
        var failed = Regex.Match(producer.Stderr, @"(\d+) of \d+ records failed") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
        Assert.Equal(Records - failed, stored.Count);
        Assert.True(producer.ExitCode == 0, producer.ToString());
        Assert.Equal(Enumerable.Range(1, Records), stored.Order());
    }
}
