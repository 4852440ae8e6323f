using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// The controller's producer id allocator (Kafka's ProducerIdManager), a child of the <see cref="ZookeeperActor"/>:
/// answers <see cref="InitProducerId"/> with a fresh id and epoch 0, persisting one block of ids at a time. It has a
/// journal of its own, so the controller's events and snapshots stay as they are; two controllers at once (a zombie)
/// would collide on this journal's unique sequence numbers, so the same block is never taken twice.
/// </summary>
public sealed class ProducerIdAllocator : UntypedPersistentActor
{
    public const string PersistenceIdValue = "producer-ids";

    private readonly ProducerIdBlock _block = new();
    private readonly ILoggingAdapter _logger = Context.GetLogger();

    public static Props Props() => Akka.Actor.Props.Create(() => new ProducerIdAllocator());

    public override string PersistenceId => PersistenceIdValue;

    protected override void OnRecover(object message)
    {
        if (message is ProducerIdBlockAllocated e) _block.Recover(e);
    }

    /// <summary>
    /// A block that could not be written (the disk is full, the journal's circuit breaker is open) is answered at once
    /// with the storage error, and the allocator keeps running: Akka.Persistence would stop it, and the producer asking
    /// would hear nothing (Kafka clients: COORDINATOR_NOT_AVAILABLE after the broker's request timeout). A write that
    /// may have happened (a timeout) or that another controller's write fenced still stops it, after an answer.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, JournalFailures.KeepRunningIfNothingWritten(message));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        var reason = $"the controller could not write a block of producer ids: {JournalFailures.Describe(cause)}";
        _logger.Warning("{0}", reason);
        AnswerWaiting(reason);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.Error(cause, "Producer ids: writing a block failed; the allocator stops and recovers from the journal when next asked");
        AnswerWaiting($"the controller could not write a block of producer ids: {JournalFailures.Describe(cause)}");
    }

    /// <summary>Who waits for the block being written; null when none is.</summary>
    private IActorRef? _waiting;

    private void AnswerWaiting(string reason)
    {
        _waiting?.Tell(new InitProducerIdResult(ErrorCode.KafkaStorageError, -1, -1, reason));
        _waiting = null;
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case InitProducerId { TransactionalId: not null } init:
                // A transactional id's producer id and epoch are the transaction coordinator's to hand out (the
                // InitProducerId handler asks it with InitTransactionalProducer); handing out a bare id here would skip
                // the fencing of the id's older producers.
                Sender.Tell(new InitProducerIdResult(ErrorCode.InvalidRequest, -1, -1,
                    $"transactional.id '{init.TransactionalId}': ask the transaction coordinator, not the controller"));
                break;
            case InitProducerId:
                var replyTo = Sender;
                if (_block.NeedsBlock() is { } next)
                {
                    _waiting = replyTo;
                    Persist(next, e =>
                    {
                        _waiting = null;
                        _block.Allocated(e);
                        _logger.Info("Producer ids: took block up to {0}", e.NextBlockStart);
                        replyTo.Tell(new InitProducerIdResult(ErrorCode.None, _block.Take(), 0));
                    });
                }
                else
                    replyTo.Tell(new InitProducerIdResult(ErrorCode.None, _block.Take(), 0));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
