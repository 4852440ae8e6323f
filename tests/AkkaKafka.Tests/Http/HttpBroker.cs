using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>
/// One broker process with HTTP on a free port, shared by the specs of a class; the console producer and consumer
/// write and read through its Akka port. Read-only HTTP unless a subclass turns --http-admin on.
/// </summary>
public class HttpBroker : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly BrokerProcesses _cluster;

    public HttpBroker() : this(admin: false) { }

    protected HttpBroker(bool admin) =>
        _cluster = new BrokerProcesses(1, extraConfig: admin ? "akkakafka.broker.http.admin = on\n" : null, http: true);

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress => _cluster.HttpAddress(_cluster.Ports[0]);

    public string BrokerId => $"127.0.0.1:{_cluster.Ports[0]}";

    public int HttpPort => _cluster.HttpPorts[0];

    public async Task InitializeAsync()
    {
        await _cluster.StartAllAsync();
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task DisposeAsync()
    {
        Http?.Dispose();
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Produces one record per line with `akkakafka produce` and checks it succeeded.</summary>
    public async Task ProduceAsync(string topic, int records, int partitions = 1)
    {
        if (partitions > 1)
            Succeeded(await Run(null, "topic", "create", topic, "--partitions", partitions.ToString(CultureInfo.InvariantCulture)));
        var lines = string.Concat(Enumerable.Range(1, records).Select(i => $"record-{i}\n"));
        Succeeded(await Run(lines, "produce", "--topic", topic));
    }

    /// <summary>Reads <paramref name="records"/> records as a member of <paramref name="group"/>, which commits them as it leaves.</summary>
    public async Task ConsumeAsync(string topic, string group, int records) =>
        Succeeded(await Run(null, "consume", "--topic", topic, "--group", group, "--from-beginning", "--max-messages", records.ToString(CultureInfo.InvariantCulture)));

    public async Task<JsonElement> GetJsonAsync(string path) => await Http.GetFromJsonAsync<JsonElement>(path);

    /// <summary>The value of one sample of /metrics (e.g. <c>akkakafka_topic_records_in_total{topic="t"}</c>), 0 when absent.</summary>
    public async Task<double> MetricAsync(string sample)
    {
        var text = await Http.GetStringAsync("metrics");
        var match = Regex.Match(text, "^" + Regex.Escape(sample) + @" (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Polls until <paramref name="condition"/> holds (bounded); fails with the last value seen.</summary>
    public static Task<T> AwaitAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, string what) =>
        Eventually.Async(within, async () =>
        {
            var last = await read();
            Assert.True(condition(last), $"{what}; last seen: {last}");
            return last;
        });

    private Task<CliResult> Run(string? stdin, params string[] args) =>
        _cluster.RunAsync(CommandTimeout, stdin, [.. args, "--bootstrap", _cluster.Bootstrap]);

    private static void Succeeded(CliResult result) => Assert.True(result.ExitCode == 0, result.ToString());
}

/// <summary>A broker started with --http-admin (HOCON akkakafka.broker.http.admin = on).</summary>
public sealed class AdminHttpBroker() : HttpBroker(admin: true);
