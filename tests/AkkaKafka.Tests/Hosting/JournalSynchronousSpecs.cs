using Akka.Configuration;
using AkkaKafka.Broker.Hosting;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>
/// What an acknowledged write survives with the SQLite journal is akkakafka.storage.sqlite.synchronous; the key's
/// former name, in an operator's existing --config, still decides it, so an upgrade never changes it silently.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class JournalSynchronousSpecs
{
    private static Exception? StartWith(string hocon)
    {
        var options = new BrokerOptions { Overrides = ConfigurationFactory.ParseString(hocon) };
        var config = BrokerConfig.Build(options, "Data Source=:memory:", "Data Source=:memory:");
        return Record.Exception(() => JournalStorage.Setup(config, options, "Data Source=:memory:", "Data Source=:memory:"));
    }

    [Fact]
    public void The_setting_takes_full_and_normal_and_names_itself_when_it_is_wrong()
    {
        Assert.Null(StartWith("akkakafka.storage.sqlite.synchronous = full"));
        Assert.Null(StartWith("akkakafka.storage.sqlite.synchronous = normal"));
        var wrong = Assert.IsType<BrokerStartupException>(StartWith("akkakafka.storage.sqlite.synchronous = always"));
        Assert.Contains("akkakafka.storage.sqlite.synchronous must be full, normal, extra or off (got 'always')", wrong.Message);
    }

    [Fact]
    public void The_former_key_in_an_operators_config_is_still_the_one_read()
    {
        var wrong = Assert.IsType<BrokerStartupException>(StartWith("akka.persistence.journal.sql.sqlite-synchronous = sometimes"));
        Assert.Contains("akka.persistence.journal.sql.sqlite-synchronous must be", wrong.Message);
        Assert.Null(StartWith("akka.persistence.journal.sql.sqlite-synchronous = full"));
    }
}
