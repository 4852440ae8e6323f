using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
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

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case InitProducerId { TransactionalId: not null } init:
                // No transactions: Kafka's "not allowed to use this transactional.id" is fatal in every client, so
                // a transactional producer stops with a clear error instead of retrying for ever.
                Sender.Tell(new InitProducerIdResult(ErrorCode.TransactionalIdAuthorizationFailed, -1, -1,
                    $"transactions are not supported (transactional.id '{init.TransactionalId}'); use an idempotent producer without a transactional.id"));
                break;
            case InitProducerId:
                var replyTo = Sender;
                if (_block.NeedsBlock() is { } next)
                    Persist(next, e =>
                    {
                        _block.Allocated(e);
                        _logger.Info("Producer ids: took block up to {0}", e.NextBlockStart);
                        replyTo.Tell(new InitProducerIdResult(ErrorCode.None, _block.Take(), 0));
                    });
                else
                    replyTo.Tell(new InitProducerIdResult(ErrorCode.None, _block.Take(), 0));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
