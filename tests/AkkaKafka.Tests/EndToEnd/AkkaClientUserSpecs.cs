using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// A broker with TLS on remoting and HTTP and security on (superuser "admin"), its first user created without a
/// login (nobody could log in otherwise), then "bob", who may write and read topic "granted" and nothing else.
/// </summary>
public sealed class SecuredBroker : IAsyncLifetime
{
    public const string AdminPassword = "admin-pw-1";
    public const string BobPassword = "bob-pw-2";

    public SecuredBroker()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("akkakafka-users-").FullName;
        Tls = TlsFiles.Create(Directory, "secured");
        BobPasswordFile = Path.Combine(Directory, "bob.password");
        File.WriteAllText(BobPasswordFile, BobPassword + "\n");
        Brokers = new BrokerProcesses(1, "akkakafka.security { enabled = on, super-users = [\"admin\"] }", http: true,
            brokerFlags: [.. Tls.Flags, "--http-admin"]);
    }

    public string Directory { get; }
    public TlsFiles Tls { get; }
    public string BobPasswordFile { get; }
    public BrokerProcesses Brokers { get; }
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Flags every client command here needs: the broker and the TLS certificate.</summary>
    public string[] Client(params string[] args) => [.. args, "--bootstrap", Brokers.Bootstrap, .. Tls.Flags];

    public Task<CliResult> AsAdminAsync(params string[] args) => CliProcess.RunWithEnvironmentAsync(Brokers.WorkDirectory, CommandTimeout,
        new Dictionary<string, string> { ["AKKAKAFKA_PASSWORD"] = AdminPassword }, null, Client([.. args, "--username", "admin"]));

    public async Task InitializeAsync()
    {
        await Brokers.StartAllAsync();
        await Succeeds(Brokers.RunAsync(CommandTimeout, AdminPassword + "\n", Client("user", "create", "admin", "--password-stdin")));
        await Succeeds(CliProcess.RunWithEnvironmentAsync(Brokers.WorkDirectory, CommandTimeout,
            new Dictionary<string, string> { ["AKKAKAFKA_PASSWORD"] = AdminPassword }, BobPassword + "\n",
            Client("user", "create", "bob", "--password-stdin", "--username", "admin")));
        await Succeeds(AsAdminAsync("topic", "create", "granted", "--partitions", "2"));
        await Succeeds(AsAdminAsync("topic", "create", "forbidden"));
        await Succeeds(AsAdminAsync("acl", "add", "--user", "bob", "--topic", "granted", "--operation", "write"));
        await Succeeds(AsAdminAsync("acl", "add", "--user", "bob", "--topic", "granted", "--operation", "read"));
    }

    private static async Task Succeeds(Task<CliResult> command)
    {
        var result = await command;
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public Task DisposeAsync()
    {
        Brokers.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Akka clients act as users when security is on: the password checked once against the user's SCRAM credential,
/// every request authorized with the ACLs; no user, a wrong password or a request the ACLs do not allow is refused
/// with Kafka's error code in one line (exit 1), and nothing is written. HTTP writes need a user too.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class AkkaClientUserSpecs(SecuredBroker broker) : IClassFixture<SecuredBroker>
{
    [Fact]
    public async Task A_user_produces_and_consumes_over_TLS_remoting_where_the_ACLs_allow_it()
    {
        var lines = string.Join("\n", Enumerable.Range(1, 50)) + "\n";
        var produce = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, lines,
            broker.Client("produce", "--topic", "granted", "--username", "bob", "--password-file", broker.BobPasswordFile));
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var consume = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, null, broker.Client("consume", "--topic", "granted",
            "--from-beginning", "--max-messages", "50", "--timeout-ms", "30000", "--username", "bob", "--password-file", broker.BobPasswordFile));

        Assert.True(consume.ExitCode == 0, consume.ToString());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i.ToString()).Order(), consume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task A_client_without_a_user_is_refused_with_SASL_AUTHENTICATION_FAILED()
    {
        var result = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, null, broker.Client("topic", "list"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: SASL_AUTHENTICATION_FAILED: security is on: authenticate as a user first (--username NAME)", OnlyLine(result.Stderr));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_SASL_AUTHENTICATION_FAILED()
    {
        var result = await CliProcess.RunWithEnvironmentAsync(broker.Brokers.WorkDirectory, SecuredBroker.CommandTimeout,
            new Dictionary<string, string> { ["AKKAKAFKA_PASSWORD"] = "not-bobs" }, null, broker.Client("topic", "list", "--username", "bob"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: SASL_AUTHENTICATION_FAILED: authentication failed for user 'bob': unknown user or wrong password", OnlyLine(result.Stderr));
    }

    [Fact]
    public async Task A_produce_the_ACLs_do_not_allow_is_refused_with_TOPIC_AUTHORIZATION_FAILED_and_nothing_is_written()
    {
        var produce = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, "a\nb\n",
            broker.Client("produce", "--topic", "forbidden", "--username", "bob", "--password-file", broker.BobPasswordFile, "--timeout", "10"));
        Assert.Equal(1, produce.ExitCode);
        Assert.Contains("TOPIC_AUTHORIZATION_FAILED: user 'bob' may not write topic 'forbidden'", OnlyLine(produce.Stderr));

        var create = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, null,
            broker.Client("topic", "create", "bobs-own", "--username", "bob", "--password-file", broker.BobPasswordFile));
        Assert.Equal(1, create.ExitCode);
        Assert.Equal("error: TOPIC_AUTHORIZATION_FAILED: user 'bob' may not create topic 'bobs-own'", OnlyLine(create.Stderr));

        // Producing into a topic that does not exist would create it, but bob may not create topics: it is not created, and
        // bob, who may not describe it either, learns no more than a Kafka client would (it may not write it).
        var autoCreate = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, "a\n",
            broker.Client("produce", "--topic", "bobs-new", "--username", "bob", "--password-file", broker.BobPasswordFile, "--timeout", "10"));
        Assert.Equal(1, autoCreate.ExitCode);
        Assert.Contains("TOPIC_AUTHORIZATION_FAILED: user 'bob' may not write topic 'bobs-new'", OnlyLine(autoCreate.Stderr));
        var topics = await broker.AsAdminAsync("topic", "list");
        Assert.True(topics.ExitCode == 0, topics.ToString());
        Assert.DoesNotContain("bobs-new", topics.Stdout);
        Assert.DoesNotContain("bobs-own", topics.Stdout);

        var offsets = await broker.AsAdminAsync("topic", "describe", "forbidden");
        Assert.True(offsets.ExitCode == 0, offsets.ToString());
        var consume = await broker.AsAdminAsync("consume", "--topic", "forbidden", "--from-beginning", "--timeout-ms", "3000");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        Assert.Equal("", consume.Stdout.Trim());
        Assert.Contains("Processed a total of 0 messages", consume.Stderr);
    }

    [Fact]
    public async Task A_consume_the_ACLs_do_not_allow_ends_with_TOPIC_AUTHORIZATION_FAILED()
    {
        var result = await broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, null, broker.Client("consume", "--topic", "forbidden",
            "--from-beginning", "--timeout-ms", "30000", "--username", "bob", "--password-file", broker.BobPasswordFile));

        Assert.Equal(1, result.ExitCode);
        // The consumer's first request, the topic's metadata, is the one refused (as a Kafka consumer's Metadata is).
        Assert.Equal("error: TOPIC_AUTHORIZATION_FAILED: user 'bob' may not describe topic 'forbidden'", OnlyLine(result.Stderr));
    }

    [Fact]
    public async Task A_user_without_Describe_on_a_group_may_not_describe_or_delete_it_and_does_not_see_it_listed()
    {
        // A reset of a group nobody has used creates it with those offsets, as kafka-consumer-groups' does.
        var reset = await broker.AsAdminAsync("group", "reset-offsets", "admins-only", "--topic", "granted", "--to-earliest");
        Assert.True(reset.ExitCode == 0, reset.ToString());
        Assert.Contains("admins-only", (await broker.AsAdminAsync("group", "list")).Stdout.Split('\n', StringSplitOptions.TrimEntries));
        Task<CliResult> AsBob(params string[] args) => broker.Brokers.RunAsync(SecuredBroker.CommandTimeout, null,
            broker.Client([.. args, "--username", "bob", "--password-file", broker.BobPasswordFile]));

        var describe = await AsBob("group", "describe", "admins-only");
        Assert.Equal(1, describe.ExitCode);
        Assert.Equal("error: GROUP_AUTHORIZATION_FAILED: user 'bob' may not describe group 'admins-only'", OnlyLine(describe.Stderr));
        var delete = await AsBob("group", "delete", "admins-only");
        Assert.Equal(1, delete.ExitCode);
        Assert.Equal("error: GROUP_AUTHORIZATION_FAILED: user 'bob' may not describe group 'admins-only'", OnlyLine(delete.Stderr));
        var list = await AsBob("group", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.DoesNotContain("admins-only", list.Stdout);
        Assert.True((await broker.AsAdminAsync("group", "describe", "admins-only")).ExitCode == 0);
    }

    [Fact]
    public async Task HTTP_writes_need_a_user_the_ACLs_allow_while_metrics_stay_open()
    {
        using var https = broker.Tls.TrustingClient();
        https.Timeout = TimeSpan.FromSeconds(30);
        var api = new Uri($"https://127.0.0.1:{broker.Brokers.HttpPorts[0]}/");

        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync(new Uri(api, "metrics"))).StatusCode);

        var anonymous = await https.PostAsJsonAsync(new Uri(api, "api/topics"), new { name = "from-http", partitions = 1 });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());

        var asBob = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "api/topics")) { Content = JsonContent.Create(new { name = "from-http", partitions = 1 }) };
        asBob.Headers.Authorization = Basic("bob", SecuredBroker.BobPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await https.SendAsync(asBob)).StatusCode);

        var asAdmin = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "api/topics")) { Content = JsonContent.Create(new { name = "from-http", partitions = 1 }) };
        asAdmin.Headers.Authorization = Basic("admin", SecuredBroker.AdminPassword);
        var created = await https.SendAsync(asAdmin);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static string OnlyLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{text}");
        return lines[0];
    }
}
