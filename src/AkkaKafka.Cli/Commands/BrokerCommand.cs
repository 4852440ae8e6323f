using System.CommandLine;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka broker`: runs one broker node until Ctrl-C or SIGTERM, then leaves the cluster gracefully.</summary>
internal static class BrokerCommand
{
    public const string Name = "broker";

    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to bind and advertise", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Akka remoting port", DefaultValueFactory = _ => Names.DefaultRemotingPort };
        var seeds = new Option<string[]>("--seed")
        {
            Description = "Seed node host:port (repeatable, or comma-separated); without one the node seeds itself",
            AllowMultipleArgumentsPerToken = false,
        };
        var data = new Option<string>("--data") { Description = "Data directory (SQLite journal files)", DefaultValueFactory = _ => "data" };
        var journal = new Option<string>("--journal") { Description = "Journal backend: sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        journal.AcceptOnlyFromAmong("sqlite", "postgres");
        var connectionString = new Option<string?>("--connection-string") { Description = $"PostgreSQL connection string (with --journal postgres); `ps` shows it: prefer --connection-string-file or {Secrets.ConnectionStringVariable}" };
        var connectionStringFile = new Option<string?>("--connection-string-file") { Description = $"File holding the PostgreSQL connection string (or set {Secrets.ConnectionStringVariable})" };
        var config = new Option<string?>("--config") { Description = "Extra HOCON file layered over hocon/" };
        // No DefaultValueFactory: the defaults live in hocon/broker.hocon (akkakafka.broker.kafka), which a flag overrides.
        var kafkaPort = new Option<int?>("--kafka-port") { Description = "Kafka protocol listener port (default 9092 + (--port - 4053): 9092 for 4053, 9093 for 4054; 0: no Kafka listener)" };
        var kafkaAdvertisedHost = new Option<string?>("--kafka-advertised-host") { Description = "Host that Kafka clients are told to connect to (default: --host)" };
        var httpPort = new Option<int?>("--http-port") { Description = "HTTP port for /metrics, /health, the JSON API and the web console (default 8080 + (--port - 4053); 0: no HTTP)" };
        var httpAdmin = new Option<bool>("--http-admin") { Description = "Let the web console and the API create and delete topics (default: read-only)" };
        var brokerId = new Option<int?>("--broker-id") { Description = "Kafka node id of this broker (default: one the controller assigns and keeps for this host:port)" };
        var kafkaSasl = new Option<string?>("--kafka-sasl-mechanisms") { Description = "SASL on the Kafka listener: SCRAM-SHA-256,SCRAM-SHA-512,PLAIN (comma-separated; default none)" };
        var kafkaTlsCert = new Option<string?>("--kafka-tls-cert") { Description = "TLS on the Kafka listener: PEM certificate file (with --kafka-tls-key)" };
        var kafkaTlsKey = new Option<string?>("--kafka-tls-key") { Description = "PEM private key of --kafka-tls-cert" };
        var kafkaTlsKeyPasswordFile = new Option<string?>("--kafka-tls-key-password-file") { Description = "File holding the passphrase of an encrypted --kafka-tls-key (or set AKKAKAFKA_KAFKA_TLS_KEY_PASSWORD)" };
        var acls = new Option<bool>("--acls") { Description = "Authorize every request with the ACLs (`akkakafka acl`): what no rule allows is refused; Akka clients then log in with --username" };
        var superUsers = new Option<string?>("--super-users") { Description = "Users allowed everything whatever the ACLs say, NAME[,NAME...] (Kafka's super.users); while the cluster has no user, one of them can be created without a login" };
        var verbose = new Option<bool>("--verbose") { Description = "Show Akka's INFO log on the terminal too (it always goes to <data>/logs/broker-<port>.log)" };

        var command = new Command(Name, "Run a broker node (with no flags: a one-node cluster on 127.0.0.1:4053, data in ./data, SQLite)")
        {
            host, port, seeds, data, journal, connectionString, connectionStringFile, config, kafkaPort, kafkaAdvertisedHost, brokerId, httpPort, httpAdmin, verbose,
        };
        command.Options.Add(acls);
        command.Options.Add(superUsers);
        command.Options.Add(kafkaSasl);
        command.Options.Add(kafkaTlsCert);
        command.Options.Add(kafkaTlsKey);
        command.Options.Add(kafkaTlsKeyPasswordFile);
        command.SetAction((result, ct) => CommonOptions.RunAsync(async () =>
        {
            var seedList = (result.GetValue(seeds) ?? [])
                .SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(s => ParseSeed(s)).ToList();
            var p = result.GetValue(port);
            if (p is < 1 or > 65535) throw new UsageException($"--port must be between 1 and 65535, got {p}");
            var kp = result.GetValue(kafkaPort);
            if (kp is < 0 or > 65535) throw new UsageException($"--kafka-port must be between 0 (no Kafka listener) and 65535, got {kp}");
            var hp = result.GetValue(httpPort);
            if (hp is < 0 or > 65535) throw new UsageException($"--http-port must be between 0 (no HTTP) and 65535, got {hp}");
            var id = result.GetValue(brokerId);
            if (id is < 0) throw new UsageException($"--broker-id must be at least 0, got {id}");
            var advertised = result.GetValue(kafkaAdvertisedHost);
            if (advertised is not null && (string.IsNullOrWhiteSpace(advertised) || advertised.Contains(':') && !advertised.StartsWith('[')))
                throw new UsageException($"--kafka-advertised-host must be a host name or address without a port, got '{advertised}'");
            if (result.GetValue(connectionString) is not null && result.GetValue(connectionStringFile) is not null)
                throw new UsageException("use either --connection-string or --connection-string-file, not both");
            if (result.GetValue(connectionStringFile) is { } csFile && !File.Exists(csFile))
                throw new UsageException($"--connection-string-file: file '{csFile}' does not exist");
            var mechanisms = ParseSaslMechanisms(result.GetValue(kafkaSasl));
            var (tlsCert, tlsKey) = (result.GetValue(kafkaTlsCert), result.GetValue(kafkaTlsKey));
            if ((tlsCert is null) != (tlsKey is null)) throw new UsageException("--kafka-tls-cert and --kafka-tls-key go together");
            var configFile = result.GetValue(config);
            if (configFile is not null) ConfigFileCheck.Check(configFile);
            var dataDirectory = result.GetValue(data)!;
            var options = new BrokerOptions
            {
                Host = result.GetValue(host)!,
                Port = p,
                Seeds = seedList,
                DataDirectory = dataDirectory,
                Journal = result.GetValue(journal) == "postgres" ? JournalKind.Postgres : JournalKind.Sqlite,
                ConnectionString = result.GetValue(connectionString) ?? Secrets.Read(result.GetValue(connectionStringFile), Secrets.ConnectionStringVariable),
                TlsCert = CommonOptions.Tls.CertFile,
                TlsKey = CommonOptions.Tls.KeyFile,
                TlsCa = CommonOptions.Tls.CaFile,
                TlsKeyPasswordFile = CommonOptions.Tls.KeyPasswordFile,
                ConfigFile = configFile,
                KafkaPort = kp,
                KafkaAdvertisedHost = advertised,
                BrokerId = id,
                HttpPort = hp,
                HttpAdmin = result.GetValue(httpAdmin) ? true : null,
                // Under the data directory also with PostgreSQL: the one place a broker is told it may write.
                LogFile = Path.Combine(dataDirectory, "logs", $"broker-{p}.log"),
                Verbose = result.GetValue(verbose),
                Acls = result.GetValue(acls) ? true : null,
                SuperUsers = ParseSuperUsers(result.GetValue(superUsers)),
                KafkaSaslMechanisms = mechanisms,
                KafkaTlsCert = tlsCert,
                KafkaTlsKey = tlsKey,
                KafkaTlsKeyPasswordFile = result.GetValue(kafkaTlsKeyPasswordFile),
            };
            return await RunBrokerAsync(options, ct);
        }));
        return command;
    }

    private static IReadOnlyList<string>? ParseSuperUsers(string? text)
    {
        if (text is null) return null;
        var users = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (users.Count == 0) throw new UsageException("--super-users needs at least one user name");
        if (users.FirstOrDefault(u => u.StartsWith("User:", StringComparison.Ordinal)) is { } prefixed)
            throw new UsageException($"--super-users: give user names without Kafka's 'User:' prefix, got '{prefixed}'");
        return users;
    }

    private static IReadOnlyList<string>? ParseSaslMechanisms(string? text)
    {
        if (text is null) return null;
        var mechanisms = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToUpperInvariant()).Distinct().ToList();
        if (mechanisms.Count == 0) throw new UsageException("--kafka-sasl-mechanisms needs at least one mechanism");
        foreach (var m in mechanisms)
            if (!Protocol.Security.SaslMechanisms.All.Contains(m))
                throw new UsageException($"--kafka-sasl-mechanisms: unknown mechanism '{m}' (known: {string.Join(", ", Protocol.Security.SaslMechanisms.All)})");
        return mechanisms;
    }

    private static HostPort ParseSeed(string text)
    {
        try
        {
            return HostPort.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--seed: {e.Message}");
        }
    }

    private static async Task<int> RunBrokerAsync(BrokerOptions options, CancellationToken stopRequest)
    {
        BrokerNode node;
        try
        {
            node = await BrokerNode.StartAsync(options);
        }
        catch (BrokerStartupException e)
        {
            // A failure that quotes a value of the --config file (a size or duration that is not one) is bad usage.
            if (options.ConfigFile is { } file && ConfigFileCheck.Locate(file, e.Message) is { } located)
            {
                await Console.Error.WriteLineAsync($"error: {located}");
                return 2;
            }
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }

        var stopRequested = false;
        void Stop()
        {
            if (stopRequested) return;
            stopRequested = true;
            Console.WriteLine($"Broker {node.BrokerId} leaving the cluster...");
            _ = node.StopAsync();
        }
        // Ctrl-C or SIGTERM (the command's token); at once if one came while the node was starting.
        using var stopOnSignal = stopRequest.Register(Stop);

        // Before the banner, so it is on the terminal before "is up", which scripts wait for.
        if (BindWarning.For(node.System.Settings.Config) is { } exposed) await Console.Error.WriteLineAsync(exposed);
        foreach (var line in await BrokerBanner.LinesAsync(node, options)) Console.WriteLine(line);
        node.PrintEvents(line => Console.WriteLine(BrokerBanner.EventLine(line)));
        await node.WhenTerminated;
        if (!stopRequested)
        {
            await Console.Error.WriteLineAsync(node.ControllerFence.Superseded is { } fenced
                ? $"error: broker {node.BrokerId} stopped: {fenced}"
                : $"error: broker {node.BrokerId} was removed from the cluster (downed) and stopped");
            return 1;
        }
        Console.WriteLine($"Broker {node.BrokerId} stopped.");
        return 0;
    }
}
