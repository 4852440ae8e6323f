using Akka.Actor;
using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// An Akka consumer's session timeout keeps the bounds akkakafka.broker.group sets for every member (min-session-timeout,
/// max-session-timeout), not numbers of the GroupActor's own (it clamped to 1 s .. 5 min whatever the broker said).
/// </summary>
[Trait("Speed", "Fast")]
public sealed class AkkaGroupSessionSettingsSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, Config), IClassFixture<SqliteJournal>
{
    private const string Config = TestConfigs.Local + """

        akkakafka.broker.group.max-session-timeout = 2s
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void An_akka_member_asking_for_a_longer_session_than_max_session_timeout_is_removed_after_max_session_timeout()
    {
        var coordinator = Sys.ActorOf(GroupCoordinatorActor.Props());
        var probe = CreateTestProbe();
        coordinator.Tell(new JoinGroup("billing", null, "akka", [new TopicPartition("orders", 0)], SessionTimeoutMs: 600_000), probe.Ref);
        Assert.Equal(ErrorCode.None, probe.ExpectMsg<JoinGroupResponse>(Timeout).Error);

        // Silent from here on: gone once 2 s (not the 10 min it asked for, nor the old 5 min cap) pass without a heartbeat.
        AwaitAssert(() =>
        {
            coordinator.Tell(new DescribeGroup("billing"), probe.Ref);
            Assert.Empty(probe.ExpectMsg<GroupDescription>(Timeout).Members);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(250));
    }
}
