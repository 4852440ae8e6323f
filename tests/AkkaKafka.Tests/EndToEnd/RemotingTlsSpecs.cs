using System.Net.Http;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>Two brokers that speak TLS on remoting and HTTPS, with a certificate the spec generates as PEM files.</summary>
public sealed class TlsCluster : IAsyncLifetime
{
    public TlsCluster()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("akkakafka-tls-").FullName;
        Tls = TlsFiles.Create(Directory, "cluster");
        Stranger = TlsFiles.Create(Directory, "stranger");
        Brokers = new BrokerProcesses(2, http: true, brokerFlags: Tls.Flags);
    }

    public string Directory { get; }
    public TlsFiles Tls { get; }
    /// <summary>A certificate nobody in the cluster trusts.</summary>
    public TlsFiles Stranger { get; }
    public BrokerProcesses Brokers { get; }

    public Task InitializeAsync() => Brokers.StartAllAsync();

    public Task DisposeAsync()
    {
        Brokers.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

/// <summary>
/// TLS on Akka remoting and on the HTTP port: brokers form their cluster over TLS, the akkakafka clients produce and
/// consume over it with the same certificate, and whoever comes without it (plaintext, or a certificate the cluster
/// does not trust) is refused with one line.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class RemotingTlsSpecs(TlsCluster cluster) : IClassFixture<TlsCluster>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private BrokerProcesses Brokers => cluster.Brokers;

    [Fact]
    public async Task Brokers_form_their_cluster_over_TLS_and_an_Akka_client_produces_and_consumes_over_it()
    {
        foreach (var port in Brokers.Ports)
        {
            Assert.Contains($"Remoting: akka.ssl.tcp://akkakafka@127.0.0.1:{port}", Brokers[port].Stdout);
            Assert.DoesNotContain("warning: bound", Brokers[port].Stderr); // loopback: no warning
        }
        var status = await Brokers.RunAsync(CommandTimeout, null, ["cluster", "status", "--bootstrap", Brokers.Bootstrap, .. cluster.Tls.Flags]);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(2, status.Stdout.Split('\n').Count(l => l.StartsWith("akka.ssl.tcp://akkakafka@127.0.0.1:") && l.Contains(" Up ")));

        var lines = string.Join("\n", Enumerable.Range(1, 200)) + "\n";
        var produce = await Brokers.RunAsync(CommandTimeout, lines,
            ["topic", "create", "over-tls", "--partitions", "4", "--bootstrap", Brokers.Bootstrap, .. cluster.Tls.Flags]);
        Assert.True(produce.ExitCode == 0, produce.ToString());
        produce = await Brokers.RunAsync(CommandTimeout, lines, ["produce", "--topic", "over-tls", "--bootstrap", $"127.0.0.1:{Brokers.Ports[1]}", .. cluster.Tls.Flags]);
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var consume = await Brokers.RunAsync(CommandTimeout, null, ["consume", "--topic", "over-tls", "--from-beginning", "--max-messages", "200",
            "--timeout-ms", "30000", "--bootstrap", $"127.0.0.1:{Brokers.Ports[0]}", .. cluster.Tls.Flags]);
        Assert.True(consume.ExitCode == 0, consume.ToString());
        Assert.Equal(Enumerable.Range(1, 200).Select(i => i.ToString()).Order(),
            consume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task A_plaintext_client_is_refused_with_one_line_saying_the_broker_speaks_TLS()
    {
        var result = await Brokers.RunAsync(CommandTimeout, null, "topic", "list", "--bootstrap", $"127.0.0.1:{Brokers.Ports[0]}", "--timeout", "3");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: the broker at 127.0.0.1:{Brokers.Ports[0]} speaks TLS on remoting: give --tls-cert and --tls-key", OnlyLine(result.Stderr));
        Assert.Equal("", result.Stdout.Trim());
    }

    [Fact]
    public async Task A_client_whose_certificate_the_cluster_does_not_trust_is_refused_with_one_line()
    {
        var result = await Brokers.RunAsync(CommandTimeout, "x\n",
            ["produce", "--topic", "over-tls", "--bootstrap", $"127.0.0.1:{Brokers.Ports[0]}", "--timeout", "3", .. cluster.Stranger.Flags]);

        Assert.Equal(1, result.ExitCode);
        // Each side refuses the other: the client sees first that the broker's certificate is not one it trusts.
        Assert.Equal($"error: the TLS certificate of the broker at 127.0.0.1:{Brokers.Ports[0]} does not chain to --tls-cert", OnlyLine(result.Stderr));
    }

    [Fact]
    public async Task A_missing_certificate_file_is_bad_usage()
    {
        var result = await Brokers.RunAsync(CommandTimeout, null, "topic", "list", "--tls-cert", "nope.pem", "--tls-key", cluster.Tls.KeyFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --tls-cert: file 'nope.pem' does not exist", OnlyLine(result.Stderr));
    }

    [Fact]
    public async Task The_HTTP_port_serves_metrics_over_HTTPS_with_the_same_certificate_and_no_plain_HTTP()
    {
        var port = Brokers.HttpPorts[0];
        Assert.Contains($"HTTP:     https://127.0.0.1:{port}/", Brokers[Brokers.Ports[0]].Stdout);
        using var https = cluster.Tls.TrustingClient();
        https.Timeout = TimeSpan.FromSeconds(30);

        var metrics = await https.GetStringAsync($"https://127.0.0.1:{port}/metrics");

        Assert.Contains("akkakafka_cluster_members", metrics);
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }

    private static string OnlyLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{text}");
        return lines[0];
    }
}
