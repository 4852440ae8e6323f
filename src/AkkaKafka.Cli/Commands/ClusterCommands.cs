using System.CommandLine;
using AkkaKafka.Client;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka cluster status`: members, the leader (controller) and partitions per broker.</summary>
internal static class ClusterCommands
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var status = new Command("status", "Show cluster members, the leader and how many partitions each broker owns") { bootstrap, timeout };
        status.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var result = await new AdminClient(connection).ClusterStatusAsync(ct);
            Console.Write(Format.ClusterStatus(result));
            return 0;
        })));
        var cluster = new Command("cluster", "Cluster information");
        cluster.Subcommands.Add(status);
        return cluster;
    }
}
