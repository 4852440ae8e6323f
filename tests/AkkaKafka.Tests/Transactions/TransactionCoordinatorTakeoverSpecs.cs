using System.Diagnostics;
using Akka.Actor;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Transactions;

/// <summary>
/// What a coordinator taking over costs: it restarts the actor of every transactional id it knows (so that ending
/// transactions get their markers and open ones their timeout), each recovering from its own journal. With
/// AKKAKAFKA_TXN_IDS ids (500 by default, to stay within seconds) on a real SQLite journal, every id answers after the
/// takeover, and the time is printed.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class TransactionCoordinatorTakeoverSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, TestConfigs.Local), IClassFixture<SqliteJournal>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static int IdCount =>
        int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_TXN_IDS"), out var n) && n > 0 ? n : 500;

    private readonly ITestOutputHelper _output = output;

    [Fact]
    public void A_coordinator_taking_over_restarts_every_known_transactional_id_and_each_answers()
    {
        var producerIds = Sys.ActorOf(ProducerIdAllocator.Props());
        var settings = TransactionSettings.Create(Sys.Settings.Config);
        var coordinator = Sys.ActorOf(TransactionCoordinatorActor.Props(producerIds, CreateTestProbe().Ref, settings, Timeout));
        var probe = CreateTestProbe();
        var ids = Enumerable.Range(0, IdCount).Select(i => $"app-{i}").ToList();
        var registering = Stopwatch.StartNew();
        foreach (var id in ids) coordinator.Tell(new InitTransactionalProducer(id, 60_000), probe.Ref);
        var producers = ids.Select(_ => probe.ExpectMsg<InitProducerIdResult>(Timeout)).ToList();
        Assert.All(producers, p => Assert.Equal(ErrorCode.None, p.Error));
        var registered = registering.Elapsed;
        StopAndWait(coordinator);

        var takeover = Stopwatch.StartNew();
        var successor = Sys.ActorOf(TransactionCoordinatorActor.Props(producerIds, CreateTestProbe().Ref, settings, Timeout));
        // Asked after the successor started every actor: each answers once it has recovered (no transaction is open).
        foreach (var id in ids) successor.Tell(new EndTransaction(id, -1, 0, Commit: true), probe.Ref);
        var answers = ids.Select(_ => probe.ExpectMsg<TransactionRequestResult>(Timeout)).ToList();

        Assert.All(answers, a => Assert.Equal(ErrorCode.InvalidProducerIdMapping, a.Error));
        _output.WriteLine($"{ids.Count} transactional ids: registered (InitProducerId each) in {registered.TotalSeconds:0.00} s; " +
                          $"after the takeover every id's actor recovered and answered in {takeover.Elapsed.TotalSeconds:0.00} s");
    }
}
