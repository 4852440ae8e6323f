using System.CommandLine;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka group list|describe`, after kafka-consumer-groups.</summary>
internal static class GroupCommands
{
    public static Command Create()
    {
        var group = new Command("group", "List consumer groups and show their members, offsets and lag");

        var listBootstrap = CommonOptions.Bootstrap();
        var listTimeout = CommonOptions.Timeout();
        var list = new Command("list", "List consumer groups") { listBootstrap, listTimeout };
        list.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(listBootstrap)!, r.GetValue(listTimeout), async connection =>
        {
            var groups = await connection.AskAsync<ListGroupsResponse>(ListGroups.Instance, cancellationToken: ct);
            foreach (var g in groups.Groups) Console.WriteLine(g);
            return 0;
        })));
        group.Subcommands.Add(list);

        var nameArg = new Argument<string?>("group") { Description = "Group name (or --group)", Arity = ArgumentArity.ZeroOrOne };
        var nameOpt = new Option<string?>("--group") { Description = "Group name" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var describe = new Command("describe", "Members, assignment, committed offset, log end offset and lag per partition") { nameArg, nameOpt, bootstrap, timeout };
        describe.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var name = r.GetValue(nameArg) ?? r.GetValue(nameOpt) ?? throw new UsageException("a group name is required (--group NAME)");
            var description = await connection.AskAsync<GroupDescription>(new DescribeGroup(name), cancellationToken: ct);
            if (description.Error != ErrorCode.None) throw new KafkaException(description.Error, $"group '{name}' does not exist");
            Console.Write(await FormatAsync(description, new AdminClient(connection), ct));
            return 0;
        })));
        group.Subcommands.Add(describe);
        return group;
    }

    private static async Task<string> FormatAsync(GroupDescription d, AdminClient admin, CancellationToken ct)
    {
        var owners = d.Members.SelectMany(m => m.Assignment.Select(tp => (tp, m))).ToDictionary(x => x.tp, x => x.m);
        var partitions = d.Committed.Select(o => new TopicPartition(o.Topic, o.Partition)).Concat(owners.Keys).Distinct()
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        var sb = new StringBuilder();
        sb.Append($"Group: {d.Group}\tState: {d.State}\tProtocol: {(d.Protocol.Length == 0 ? "-" : d.Protocol)}\tGeneration: {d.Generation}\tMembers: {d.Members.Count}\n\n");
        sb.Append($"{"TOPIC",-20} {"PARTITION",9} {"CURRENT-OFFSET",15} {"LOG-END-OFFSET",15} {"LAG",8}  {"MEMBER",-44} CLIENT-ID\n");
        foreach (var tp in partitions)
        {
            var committed = d.Committed.FirstOrDefault(o => o.Topic == tp.Topic && o.Partition == tp.Partition)?.Offset;
            long? end = null;
            try { end = await admin.ListOffsetAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Latest, ct); }
            catch (KafkaException) { }
            var lag = committed is { } c && end is { } e ? (e - c).ToString() : "-";
            var member = owners.TryGetValue(tp, out var m) ? m : null;
            sb.Append($"{tp.Topic,-20} {tp.Partition,9} {committed?.ToString() ?? "-",15} {end?.ToString() ?? "-",15} {lag,8}  {member?.MemberId ?? "-",-44} {member?.ClientId ?? "-"}\n");
        }
        return sb.ToString();
    }
}
