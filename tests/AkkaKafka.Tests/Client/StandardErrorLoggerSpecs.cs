using AkkaKafka.Client;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>How a client tells its user that the broker it talks to went away and that it found another.</summary>
[Trait("Speed", "Fast")]
public sealed class StandardErrorLoggerSpecs
{
    private const string Receptionist = "akka.tcp://akkakafka@127.0.0.1:4053/system/receptionist";

    [Fact]
    public void Losing_the_receptionist_is_one_line_however_often_the_client_retries_and_a_new_one_is_another()
    {
        var lost = false;
        Assert.Null(StandardErrorLogger.ReconnectLine($"Connected to [{Receptionist}]", ref lost));
        Assert.Equal("lost connection to 127.0.0.1:4053, reconnecting…",
            StandardErrorLogger.ReconnectLine($"Lost contact with [[{Receptionist}#1712318]], reestablishing connection", ref lost));
        Assert.Null(StandardErrorLogger.ReconnectLine($"Lost contact with [[{Receptionist}#1712318]], reestablishing connection", ref lost));
        Assert.Equal("reconnected to 127.0.0.1:4054",
            StandardErrorLogger.ReconnectLine("Connected to [akka.tcp://akkakafka@127.0.0.1:4054/system/receptionist]", ref lost));
    }

    [Fact]
    public void A_receptionist_shutting_down_is_a_lost_connection_too()
    {
        var lost = false;
        Assert.Equal("lost connection to 127.0.0.1:4053, reconnecting…",
            StandardErrorLogger.ReconnectLine($"Receptionist [{Receptionist}] is shutting down, reestablishing connection", ref lost));
    }

    [Fact]
    public void Other_messages_print_nothing()
    {
        var lost = false;
        Assert.Null(StandardErrorLogger.ReconnectLine("Remoting started; listening on addresses : [akka.tcp://akkakafka-client@127.0.0.1:40000]", ref lost));
    }
}
