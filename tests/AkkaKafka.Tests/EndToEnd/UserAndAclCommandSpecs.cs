using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// `akkakafka user` and `akkakafka acl` against a real broker process, as an operator runs them: what they print,
/// their exit codes (0 done, 1 refused by the cluster), and that a password never shows in any output.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class UserAndAclCommandSpecs : OneBrokerSpecs
{
    private async Task<string> Succeeds(string? stdin, params string[] args)
    {
        var result = await Run(stdin, args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private async Task<string> IsRefused(params string[] args)
    {
        var result = await Run(null, args);
        Assert.True(result.ExitCode == 1, result.ToString());
        return Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Users_are_created_with_a_password_from_stdin_listed_with_their_mechanisms_and_deleted()
    {
        var alice = await Run("alice-secret-1\n", "user", "create", "alice", "--password-stdin");
        var bob = await Succeeds("bob-secret-2\n", "user", "create", "bob", "--password-stdin", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192");
        var again = await Succeeds("alice-secret-3\n", "user", "create", "alice", "--password-stdin");

        Assert.True(alice.ExitCode == 0, alice.ToString());
        Assert.Equal("Created user alice (SCRAM-SHA-256, SCRAM-SHA-512).", alice.Stdout.Trim());
        Assert.Equal("Created user bob (SCRAM-SHA-512).", bob.Trim());
        Assert.Equal("Updated the credentials of user alice (SCRAM-SHA-256, SCRAM-SHA-512).", again.Trim());
        Assert.DoesNotContain("secret", alice.Stdout + alice.Stderr);
        Assert.Equal(["USER  MECHANISMS", "alice SCRAM-SHA-256,SCRAM-SHA-512", "bob   SCRAM-SHA-512"], Lines(await Succeeds(null, "user", "list")));

        Assert.Equal("Deleted user alice.", (await Succeeds(null, "user", "delete", "alice")).Trim());
        Assert.Equal("error: user 'alice' does not exist", await IsRefused("user", "delete", "alice"));
        Assert.Equal(["USER MECHANISMS", "bob  SCRAM-SHA-512"], Lines(await Succeeds(null, "user", "list")));
    }

    [Fact]
    public async Task Acl_rules_are_added_listed_as_a_table_and_removed()
    {
        Assert.Equal("Added ACL: user alice may read on topic orders.",
            (await Succeeds(null, "acl", "add", "--user", "alice", "--topic", "orders", "--operation", "read")).Trim());
        await Succeeds(null, "acl", "add", "--user", "*", "--group", "billing-*", "--operation", "All");
        await Succeeds(null, "acl", "add", "--user", "carol", "--cluster", "--operation", "create");
        Assert.StartsWith("ACL already present",
            (await Succeeds(null, "acl", "add", "--user", "alice", "--topic", "orders", "--operation", "READ")).Trim());

        Assert.Equal(
            [
                "USER  TYPE    RESOURCE      OPERATION",
                "alice topic   orders        read",
                "*     group   billing-*     all",
                "carol cluster kafka-cluster create",
            ],
            Lines(await Succeeds(null, "acl", "list")));
        Assert.Equal(["USER  TYPE    RESOURCE OPERATION", "alice topic   orders   read"], Lines(await Succeeds(null, "acl", "list", "--user", "alice")));

        await Succeeds(null, "acl", "remove", "--user", "alice", "--topic", "orders", "--operation", "read");
        Assert.Equal("error: no such ACL: user alice may read on topic orders",
            await IsRefused("acl", "remove", "--user", "alice", "--topic", "orders", "--operation", "read"));
        Assert.Equal(2, Lines(await Succeeds(null, "acl", "list")).Length - 1);
    }
}

/// <summary>Mistakes with `user` and `acl`, refused before any cluster is asked: one line on stderr, exit 2.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class UserAndAclUsageSpecs : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);
    private readonly string _dir = Directory.CreateTempSubdirectory("akkakafka-usage-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static IEnumerable<object?[]> Mistakes =>
    [
        // stdin, arguments, what the one line says
        [null, new[] { "user", "create", "alice" }, "standard input is not a terminal: give the password on standard input with --password-stdin"],
        ["", new[] { "user", "create", "alice", "--password-stdin" }, "--password-stdin: no password on standard input"],
        ["x\n", new[] { "user", "create", "alice", "--password-stdin", "--iterations", "100" }, "--iterations must be between 4096 and 16384, got 100"],
        ["x\n", new[] { "user", "create", "alice", "--password-stdin", "--mechanism", "PLAIN" }, "PLAIN"],
        [null, new[] { "user", "create" }, "argument"],
        [null, new[] { "acl", "add", "--user", "alice", "--topic", "t", "--group", "g", "--operation", "read" }, "give exactly one of --topic, --group, --cluster or --transactional-id"],
        [null, new[] { "acl", "add", "--user", "alice", "--operation", "read" }, "give exactly one of --topic, --group, --cluster or --transactional-id"],
        [null, new[] { "acl", "add", "--user", "alice", "--topic", "t", "--operation", "fly" }, "--operation must be one of read, write, create, delete, describe, alter, all, got 'fly'"],
        [null, new[] { "acl", "remove", "--topic", "t", "--operation", "read" }, "--user"],
    ];

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_mistake_is_one_line_on_stderr_and_exit_2_without_asking_theCluster(string? stdin, string[] args, string says)
    {
        // A port nobody listens on: had the command got as far as the cluster it would say so, with exit 1.
        var result = await CliProcess.RunAsync(_dir, Bound, stdin, [.. args, "--bootstrap", $"127.0.0.1:{CliProcess.FreePort()}"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(says, line);
    }
}
