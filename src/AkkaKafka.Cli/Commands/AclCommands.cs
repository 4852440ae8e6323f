using System.CommandLine;
using AkkaKafka.Client;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka acl add|remove|list`, after kafka-acls: allow rules per user on a topic, a group or the cluster. A name
/// may be literal, "*" (every one) or a prefix ending in "*" ("orders-*"), Kafka's literal, wildcard and prefixed
/// patterns. There are no deny rules: with security enabled what no rule allows is refused (superusers excepted).
/// </summary>
internal static class AclCommands
{
    private static readonly string[] OperationNames = Enum.GetNames<AclOperation>().Select(n => n.ToLowerInvariant()).ToArray();

    public static Command Create()
    {
        var acl = new Command("acl", "Add, remove and list the allow rules that say which user may do what");
        acl.Subcommands.Add(ChangeCommand("add", "Allow a user an operation on a topic, a group or the cluster", remove: false));
        acl.Subcommands.Add(ChangeCommand("remove", "Remove an allow rule", remove: true));
        acl.Subcommands.Add(ListCommand());
        return acl;
    }

    private static Command ChangeCommand(string name, string description, bool remove)
    {
        var user = new Option<string>("--user") { Description = "The user the rule allows (\"*\": every user)", Required = true };
        var topic = new Option<string?>("--topic") { Description = "A topic: a name, \"*\", or a prefix ending in \"*\"" };
        var group = new Option<string?>("--group") { Description = "A consumer group: a name, \"*\", or a prefix ending in \"*\"" };
        var cluster = new Option<bool>("--cluster") { Description = "The cluster (create any topic, describe the cluster)" };
        var transactionalId = new Option<string?>("--transactional-id")
        {
            Description = "A transactional.id (write: use it in a transactional producer; describe: see it in transactions list/describe): a name, \"*\", or a prefix ending in \"*\"",
        };
        var operation = new Option<string>("--operation")
        {
            Description = $"What the rule allows: {string.Join(", ", OperationNames)} (read, write, delete and alter imply describe)",
            Required = true,
        };
        operation.Validators.Add(result =>
        {
            if (ParseOperation(result.GetValueOrDefault<string>()) is null)
                result.AddError($"--operation must be one of {string.Join(", ", OperationNames)}, got '{result.GetValueOrDefault<string>()}'");
        });
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command(name, description) { user, topic, group, cluster, transactionalId, operation, bootstrap, timeout };
        command.Validators.Add(result =>
        {
            var given = (result.GetValue(topic) is not null ? 1 : 0) + (result.GetValue(group) is not null ? 1 : 0) + (result.GetValue(cluster) ? 1 : 0)
                + (result.GetValue(transactionalId) is not null ? 1 : 0);
            if (given != 1) result.AddError("give exactly one of --topic, --group, --cluster or --transactional-id");
        });
        command.SetAction((r, ct) => CommonOptions.RunAsync(() =>
        {
            var (type, resource) = r.GetValue(topic) is { } t ? (AclResourceType.Topic, t)
                : r.GetValue(group) is { } g ? (AclResourceType.Group, g)
                : r.GetValue(transactionalId) is { } x ? (AclResourceType.TransactionalId, x)
                : (AclResourceType.Cluster, Authorizer.ClusterResourceName);
            var rule = new AclRule(r.GetValue(user)!, type, resource, ParseOperation(r.GetValue(operation))!.Value);
            return CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            {
                var admin = new SecurityAdminClient(connection);
                return UserCommands.Report(remove ? await admin.RemoveAclAsync(rule, ct) : await admin.AddAclAsync(rule, ct));
            });
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var user = new Option<string?>("--user") { Description = "Only this user's rules" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("list", "List the allow rules (all, or one user's)") { user, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            Console.Write(Format.Acls(await new SecurityAdminClient(connection).ListAclsAsync(r.GetValue(user), ct)));
            return 0;
        })));
        return command;
    }

    /// <summary>Kafka's operation names, in any case ("Read", "READ", "read").</summary>
    private static AclOperation? ParseOperation(string? text) =>
        Enum.TryParse<AclOperation>(text, ignoreCase: true, out var op) && Enum.IsDefined(op) && !int.TryParse(text, out _) ? op : null;
}
