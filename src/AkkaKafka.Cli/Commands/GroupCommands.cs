using System.CommandLine;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka group list|describe|delete|reset-offsets`, after kafka-consumer-groups, and like it made of Kafka's group
/// APIs (<see cref="AdminClient"/>).
/// </summary>
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
            foreach (var g in await new AdminClient(connection).ListGroupsAsync(ct)) Console.WriteLine(g);
            return 0;
        })));
        group.Subcommands.Add(list);

        group.Subcommands.Add(OneGroupCommand("describe", "Members, assignment, committed offset, log end offset and lag per partition", async (admin, name, ct) =>
            Console.Write(await FormatAsync(await admin.DescribeGroupAsync(name, ct), admin, ct))));
        group.Subcommands.Add(OneGroupCommand("delete", "Delete a group that has no members, with its committed offsets", async (admin, name, ct) =>
        {
            await admin.DeleteGroupAsync(name, ct);
            // kafka-consumer-groups --delete's words.
            Console.WriteLine($"Deletion of requested consumer groups ('{name}') was successful.");
        }));
        group.Subcommands.Add(ResetOffsetsCommand());
        return group;
    }

    /// <summary>A subcommand about one group, named as an argument or with --group.</summary>
    private static Command OneGroupCommand(string name, string description, Func<AdminClient, string, CancellationToken, Task> run)
    {
        var nameArg = new Argument<string?>("group") { Description = "Group name (or --group)", Arity = ArgumentArity.ZeroOrOne };
        var nameOpt = new Option<string?>("--group") { Description = "Group name" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command(name, description) { nameArg, nameOpt, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var group = r.GetValue(nameArg) ?? r.GetValue(nameOpt) ?? throw new UsageException("a group name is required (--group NAME)");
            await run(new AdminClient(connection), group, ct);
            return 0;
        })));
        return command;
    }

    /// <summary>
    /// kafka-consumer-groups --reset-offsets: exactly one of the --to-… / --shift-by options; the plan is worked out by the
    /// admin client, printed and committed (unless --dry-run); refused while the group has live members.
    /// </summary>
    private static Command ResetOffsetsCommand()
    {
        var nameArg = new Argument<string?>("group") { Description = "Group name (or --group)", Arity = ArgumentArity.ZeroOrOne };
        var nameOpt = new Option<string?>("--group") { Description = "Group name" };
        var topic = new Option<string>("--topic") { Description = "Topic whose offsets to reset", Required = true };
        var partitions = new Option<int[]>("--partition") { Description = "Only this partition (repeatable; default: all)" };
        var toEarliest = new Option<bool>("--to-earliest") { Description = "Reset to the oldest record still in the log" };
        var toLatest = new Option<bool>("--to-latest") { Description = "Reset to the log end (skip everything there is)" };
        var toOffset = new Option<long?>("--to-offset") { Description = "Reset to this offset (clamped to the log)" };
        var toDatetime = new Option<string?>("--to-datetime")
        {
            Description = "Reset to the first record with a timestamp at or after this ISO 8601 time (e.g. 2026-11-30T10:00:00Z; no zone means UTC)",
        };
        var shiftBy = new Option<long?>("--shift-by") { Description = "Move the committed offset by this many records (negative: back)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the plan; change nothing" };
        var execute = new Option<bool>("--execute") { Description = "Apply the plan (the default; accepted as kafka-consumer-groups spells it)" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("reset-offsets", "Move a group's committed offsets of a topic (only while the group has no live members)")
        {
            nameArg, nameOpt, topic, partitions, toEarliest, toLatest, toOffset, toDatetime, shiftBy, dryRun, execute, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var name = r.GetValue(nameArg) ?? r.GetValue(nameOpt) ?? throw new UsageException("a group name is required (--group NAME)");
            var chosen = new List<(OffsetResetMode Mode, long Value)>();
            if (r.GetValue(toEarliest)) chosen.Add((OffsetResetMode.ToEarliest, 0));
            if (r.GetValue(toLatest)) chosen.Add((OffsetResetMode.ToLatest, 0));
            if (r.GetValue(toOffset) is { } offset)
                chosen.Add((OffsetResetMode.ToOffset, offset >= 0 ? offset : throw new UsageException($"--to-offset must be 0 or more, got {offset}")));
            if (r.GetValue(toDatetime) is { } at) chosen.Add((OffsetResetMode.ToDatetime, Timestamps.ParseIso8601("--to-datetime", at)));
            if (r.GetValue(shiftBy) is { } shift) chosen.Add((OffsetResetMode.ShiftBy, shift));
            if (chosen.Count != 1)
                throw new UsageException("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
            if (r.GetValue(dryRun) && r.GetValue(execute)) throw new UsageException("--dry-run and --execute do not go together");
            var wanted = r.GetValue(partitions) ?? [];
            if (wanted.FirstOrDefault(p => p < 0) is var bad and < 0) throw new UsageException($"--partition must be 0 or more, got {bad}");
            var reset = new GroupOffsetsReset(name, r.GetValue(topic)!, wanted.Distinct().Order().ToList(), chosen[0].Mode, chosen[0].Value, r.GetValue(dryRun));

            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            {
                Console.Write(FormatPlan(await new AdminClient(connection).ResetGroupOffsetsAsync(reset, ct)));
                if (reset.DryRun) Console.Error.WriteLine("Dry run: nothing was changed (run without --dry-run to apply).");
                return 0;
            });
        }));
        return command;
    }

    internal static string FormatPlan(IReadOnlyList<PartitionOffsetReset> plan)
    {
        var sb = new StringBuilder();
        sb.Append($"{"TOPIC",-20} {"PARTITION",9} {"CURRENT-OFFSET",15} {"NEW-OFFSET",15}\n");
        foreach (var p in plan)
            sb.Append($"{p.Topic,-20} {p.Partition,9} {(p.CurrentOffset < 0 ? "-" : p.CurrentOffset.ToString()),15} {p.NewOffset,15}\n");
        return sb.ToString();
    }

    private static async Task<string> FormatAsync(ConsumerGroupDescription d, AdminClient admin, CancellationToken ct)
    {
        var owners = d.Members.SelectMany(m => m.Assignment.Select(tp => (tp, m))).ToDictionary(x => x.tp, x => x.m);
        var partitions = d.Committed.Keys.Concat(owners.Keys).Distinct()
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        var sb = new StringBuilder();
        // No generation: Kafka's DescribeGroups does not tell it (nor does kafka-consumer-groups show one).
        sb.Append($"Group: {d.Group}\tState: {d.State}\tProtocol: {(d.Protocol.Length == 0 ? "-" : d.Protocol)}\tMembers: {d.Members.Count}\n\n");
        sb.Append($"{"TOPIC",-20} {"PARTITION",9} {"CURRENT-OFFSET",15} {"LOG-END-OFFSET",15} {"LAG",8}  {"MEMBER",-44} CLIENT-ID\n");
        // Every log end in one ListOffsets per broker; one that cannot be had shows as "-".
        IReadOnlyDictionary<TopicPartition, ListOffsetsResponseData.ListOffsetsPartitionResponse> ends;
        try { ends = await admin.ListOffsetsAsync(partitions.Select(tp => (tp, ListOffsetsRequest.Latest)).ToList(), ct: ct); }
        catch (Exception e) when (e is KafkaException or ClusterUnavailableException) { ends = new Dictionary<TopicPartition, ListOffsetsResponseData.ListOffsetsPartitionResponse>(); }
        foreach (var tp in partitions)
        {
            long? committed = d.Committed.TryGetValue(tp, out var c) ? c : null;
            long? end = ends.GetValueOrDefault(tp) is { ErrorCode: ErrorCode.None, Offset: var offset } ? offset : null;
            var lag = committed is { } at && end is { } e ? (e - at).ToString() : "-";
            var member = owners.TryGetValue(tp, out var m) ? m : null;
            sb.Append($"{tp.Topic,-20} {tp.Partition,9} {committed?.ToString() ?? "-",15} {end?.ToString() ?? "-",15} {lag,8}  {member?.MemberId ?? "-",-44} {member?.ClientId ?? "-"}\n");
        }
        return sb.ToString();
    }
}
