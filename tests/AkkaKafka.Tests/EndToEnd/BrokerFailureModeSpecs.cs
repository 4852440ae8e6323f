using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>What a user sees when the cluster or its storage is not there: one clear line and a non-zero exit, in bounded time.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerFailureModeSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkakafka-fail-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Producing_to_an_unreachable_cluster_fails_within_the_timeout()
    {
        var port = CliProcess.FreePort();
        var started = DateTime.UtcNow;
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), "hello\n",
            "produce", "--topic", "t", "--bootstrap", $"127.0.0.1:{port}", "--timeout", "3");
        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.Stderr);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Admin_commands_against_an_unreachable_cluster_fail_with_one_line()
    {
        var port = CliProcess.FreePort();
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), null, "cluster", "status", "--bootstrap", $"127.0.0.1:{port}", "--timeout", "2");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"connection refused by 127.0.0.1:{port}", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--kafka-port", "-1", "--kafka-port must be between 0 (no Kafka listener) and 65535, got -1")]
    [InlineData("--kafka-port", "65536", "--kafka-port must be between 0 (no Kafka listener) and 65535, got 65536")]
    [InlineData("--broker-id", "-1", "--broker-id must be at least 0, got -1")]
    [InlineData("--http-port", "65536", "--http-port must be between 0 (no HTTP) and 65535, got 65536")]
    [InlineData("--kafka-advertised-host", "host:9092", "--kafka-advertised-host must be a host name or address without a port, got 'host:9092'")]
    public async Task A_broker_given_an_impossible_kafka_flag_refuses_to_start_with_a_usage_error(string flag, string value, string message)
    {
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), null,
            "broker", "--port", CliProcess.FreePort().ToString(), "--data", Path.Combine(_dir, "data"), flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_broker_with_an_unwritable_data_directory_refuses_to_start()
    {
        var file = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), null,
            "broker", "--kafka-port", "0", "--http-port", "0", "--port", CliProcess.FreePort().ToString(), "--data", Path.Combine(file, "data"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not writable", result.Stderr);
    }

    [Fact]
    public async Task A_broker_whose_seed_nodes_are_unreachable_gives_up_with_an_error()
    {
        var config = Path.Combine(_dir, "fast-join.hocon");
        await File.WriteAllTextAsync(config, "akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 3s\n");
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(90), null,
            "broker", "--kafka-port", "0", "--http-port", "0", "--port", CliProcess.FreePort().ToString(), "--seed", $"127.0.0.1:{CliProcess.FreePort()}", "--data", Path.Combine(_dir, "data"), "--config", config);
        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("seed", result.Stderr);
    }

    [Fact]
    public async Task A_broker_on_postgres_that_is_down_refuses_to_start()
    {
        var port = CliProcess.FreePort();
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), null,
            "broker", "--kafka-port", "0", "--http-port", "0", "--port", CliProcess.FreePort().ToString(), "--journal", "postgres",
            "--connection-string", $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=3");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach PostgreSQL", result.Stderr);
    }

    [Fact]
    public async Task A_broker_given_several_postgres_hosts_without_target_session_attributes_read_write_refuses_to_start()
    {
        // Npgsql would take whichever host answers first, a standby as readily as the primary; refused before any connection.
        var (primary, standby) = (CliProcess.FreePort(), CliProcess.FreePort());
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), null,
            "broker", "--kafka-port", "0", "--http-port", "0", "--port", CliProcess.FreePort().ToString(), "--journal", "postgres",
            "--connection-string", $"Host=127.0.0.1:{primary},127.0.0.1:{standby};Username=postgres;Database=postgres;Timeout=3");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: the connection string names several hosts (127.0.0.1:{primary},127.0.0.1:{standby}) but not \"Target Session Attributes=read-write\": " +
                     "the journal must write to the primary, wherever it is", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_second_broker_on_a_taken_port_fails_clearly()
    {
        using var cluster = new BrokerProcesses(1);
        await cluster.StartAllAsync();
        var result = await cluster.RunAsync(TimeSpan.FromSeconds(60), null, "broker", "--kafka-port", "0", "--http-port", "0", "--port", cluster.Ports[0].ToString(), "--data", Path.Combine(_dir, "other"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot start a broker on 127.0.0.1:{cluster.Ports[0]}", result.Stderr);
    }
}
