using System.CommandLine;
using AkkaKafka.Client;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>Options shared by every command that talks to a running cluster, and their error handling.</summary>
internal static class CommonOptions
{
    public static Option<string> Bootstrap() => new("--bootstrap", "--bootstrap-server")
    {
        Description = "Brokers to contact, host:port[,host:port...] (their Akka remoting endpoints)",
        DefaultValueFactory = _ => Names.DefaultBootstrap,
    };

    public static Option<double> Timeout() => new("--timeout")
    {
        Description = "Seconds to wait for the cluster before giving up",
        DefaultValueFactory = _ => 15,
    };

    public static IReadOnlyList<HostPort> ParseBootstrap(string text)
    {
        try
        {
            return HostPort.ParseList(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--bootstrap: {e.Message}");
        }
    }

    /// <summary>
    /// Runs a command body and turns the expected failures into one line on stderr and a non-zero exit code:
    /// 1 for a failed request or unreachable cluster, 2 for bad usage.
    /// </summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is ClusterUnavailableException or KafkaException or OperationCanceledException or ArgumentException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    public static async Task<T> WithConnectionAsync<T>(string bootstrap, double timeoutSeconds, Func<ClusterConnection, Task<T>> body)
    {
        var contacts = ParseBootstrap(bootstrap);
        var overrides = Akka.Configuration.ConfigurationFactory.ParseString(
            $"akkakafka.client.request-timeout = {Math.Max(0.1, timeoutSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}s");
        await using var connection = ClusterConnection.Create(contacts, overrides);
        return await body(connection);
    }
}

/// <summary>Wrong flags or values: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
