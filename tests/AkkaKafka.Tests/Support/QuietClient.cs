using Akka.Configuration;

namespace AkkaKafka.Tests.Support;

/// <summary>An in-process client's ActorSystem for specs: its log stays out of the test output, and the test host's exit does not run its shutdown.</summary>
public static class QuietClient
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.loggers = []
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);
}
