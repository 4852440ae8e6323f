using System.CommandLine;
using AkkaKafka.Client;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>Options shared by every command that talks to a running cluster, and their error handling.</summary>
internal static class CommonOptions
{
    /// <summary>The TLS flags of this invocation (root options every command inherits), set once after parsing.</summary>
    public static TlsOptions Tls { get; set; } = TlsOptions.None;

    /// <summary>Who the client commands act as (--username), set once after parsing.</summary>
    public static UserLogin Login { get; set; } = UserLogin.None;

    public static Option<string> Bootstrap() => new("--bootstrap", "--bootstrap-server")
    {
        Description = "Brokers to contact, host:port[,host:port...] (their Akka remoting endpoints)",
        DefaultValueFactory = _ => Names.DefaultBootstrap,
    };

    public static Option<double> Timeout()
    {
        var option = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the cluster before giving up (more than 0)",
            // akkakafka.client.request-timeout, where the default is written.
            DefaultValueFactory = _ => new ClientSettings(ClusterConnection.Reference).RequestTimeout.TotalSeconds,
        };
        // 0 or less used to become 0.1 s and then "cluster unreachable": a usage error instead (exit 2).
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var seconds && !(seconds > 0))
                result.AddError($"--timeout must be more than 0 seconds, got {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>
    /// host:port[,host:port…], each with its port: Kafka users type host:port, and a bare host that quietly meant
    /// 4053 (the remoting port, not Kafka's 9092) was a trap.
    /// </summary>
    public static IReadOnlyList<HostPort> ParseBootstrap(string text)
    {
        var entries = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0) throw new UsageException("--bootstrap needs at least one HOST:PORT");
        var contacts = new List<HostPort>();
        foreach (var entry in entries)
        {
            var colon = entry.LastIndexOf(':');
            if (colon < 0 || entry.EndsWith(']'))
                throw new UsageException($"--bootstrap: '{entry}' has no port; give HOST:PORT (a broker's remoting port, {Names.DefaultRemotingPort} by default)");
            try
            {
                contacts.Add(HostPort.Parse(entry));
            }
            catch (FormatException e)
            {
                throw new UsageException($"--bootstrap: {e.Message}; give HOST:PORT");
            }
        }
        return contacts;
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

    /// <param name="timeoutIsDeliveryTimeout">
    /// For produce: --timeout bounds each record's delivery (Kafka's delivery.timeout.ms) and each request keeps the
    /// configured request-timeout (no longer than --timeout), so a request lost with a broker is sent again after the
    /// request timeout instead of only at the deadline. For every other command --timeout is the request timeout.
    /// </param>
    /// <param name="clientSettings">akkakafka.client settings a command's own flags set (HOCON lines), or null.</param>
    public static async Task<T> WithConnectionAsync<T>(string bootstrap, double timeoutSeconds, Func<ClusterConnection, Task<T>> body,
        bool timeoutIsDeliveryTimeout = false, string? clientSettings = null)
    {
        var contacts = ParseBootstrap(bootstrap);
        // Before the ClusterClient, which would only say "no answer" after the whole request timeout: a name that does
        // not resolve or a port nobody listens on is known within a second or two.
        await BootstrapProbe.CheckAsync(contacts, TimeSpan.FromSeconds(Math.Min(timeoutSeconds, 2)));
        var timeout = Math.Max(0.1, timeoutSeconds);
        var requestTimeout = timeoutIsDeliveryTimeout
            ? Math.Min(timeout, new ClientSettings(ClusterConnection.Reference).RequestTimeout.TotalSeconds)
            : timeout;
        var overrides = Akka.Configuration.ConfigurationFactory.ParseString(
            $"akkakafka.client.request-timeout = {Seconds(requestTimeout)}s"
            + (timeoutIsDeliveryTimeout ? $"\nakkakafka.client.delivery-timeout = {Seconds(timeout)}s" : "")
            + (clientSettings is null ? "" : "\n" + clientSettings))
            .WithFallback(Tls.ToConfig());
        await using var connection = ClusterConnection.Create(contacts, overrides, credentials: Login.Credentials());
        try
        {
            await connection.AuthenticateAsync();
            return await body(connection);
        }
        catch (Exception e) when (e is ClusterUnavailableException or TimeoutException)
        {
            throw await ExplainAsync(contacts) is { } tls ? new ClusterUnavailableException(tls) : e;
        }
    }

    /// <summary>The TLS mismatch behind a cluster that does not answer, if that is what it is (<see cref="RemotingTlsProbe"/>).</summary>
    public static Task<string?> ExplainAsync(IReadOnlyList<HostPort> contacts) =>
        RemotingTlsProbe.ExplainAsync(contacts, Tls, TimeSpan.FromSeconds(2));

    private static string Seconds(double seconds) => seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Wrong flags or values: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
