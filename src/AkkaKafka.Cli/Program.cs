using System.CommandLine;
using AkkaKafka.Cli.Commands;

// akkakafka: one program, Kafka-style subcommands. The libraries hold the logic; this only parses and wires.
var root = new RootCommand("AkkaKafka: a Kafka-style distributed, durable, partitioned log on Akka.NET")
{
    BrokerCommand.Create(),
    TopicCommands.Create(),
    ClusterCommands.Create(),
    ProduceCommand.Create(),
    ConsumeCommand.Create(),
    GroupCommands.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
