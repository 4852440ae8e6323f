using System.CommandLine;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka bench failover`: placeholder until the fault-tolerance work measures SIGKILL-to-first-produce.</summary>
internal static class FailoverBenchCommand
{
    public static Command Create() => new("failover", "Measure failover time (see run-cluster.ps1 and the README)");
}
