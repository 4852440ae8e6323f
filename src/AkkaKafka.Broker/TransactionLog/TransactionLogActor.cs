using Akka.Actor;
using Akka.Event;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.TransactionLog;

/// <summary>
/// Keeps the brokers' transaction log in the internal topic __transactions, readable with `akkakafka consume`.
/// Off the hot path: partitions publish entries on the local event stream; this actor gathers them and writes one
/// batch per flush interval through the node's BrokerActor. Its buffer is bounded: under overload it drops entries
/// (and says how many) rather than slow producers down or grow without limit.
/// </summary>
public sealed class TransactionLogActor : UntypedActor, IWithTimers
{
    public const string Topic = "__transactions";
    private const string FlushTimer = "flush";
    private const int MaxBuffered = 50_000;
    private readonly IActorRef _broker;
    private readonly TimeSpan _flushInterval;
    private readonly string _clientId;
    private readonly List<TransactionLogEntry> _buffer = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _dropped;

    public TransactionLogActor(IActorRef broker, TimeSpan flushInterval, string selfId)
    {
        _broker = broker;
        _flushInterval = flushInterval;
        _clientId = $"transaction-log@{selfId}";
    }

    public static Props Props(IActorRef broker, TimeSpan flushInterval, string selfId) =>
        Akka.Actor.Props.Create(() => new TransactionLogActor(broker, flushInterval, selfId));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(TransactionLogEntry));
        Timers.StartPeriodicTimer(FlushTimer, Flush.Instance, _flushInterval);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case TransactionLogEntry entry:
                if (_buffer.Count < MaxBuffered) _buffer.Add(entry);
                else _dropped++;
                break;
            case Flush:
                WriteBuffered();
                break;
            case ProduceResponse { Error: not ErrorCode.None } failed:
                _log.Warning("Writing the transaction log failed: {0}", failed.ErrorMessage ?? failed.Error.Describe());
                break;
            case ProduceResponse:
                break;
        }
    }

    private void WriteBuffered()
    {
        if (_dropped > 0)
        {
            _log.Warning("Transaction log dropped {0} entries under load", _dropped);
            _dropped = 0;
        }
        if (_buffer.Count == 0) return;
        var builder = new RecordBatchBuilder();
        foreach (var e in _buffer)
            builder.Add(e.TimestampMs, System.Text.Encoding.UTF8.GetBytes(e.Topic), System.Text.Encoding.UTF8.GetBytes(e.ToLine()));
        _buffer.Clear();
        _broker.Tell(new ProduceRequest(Topic, 0, builder.Build(), Acks.Leader, _clientId), Self);
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
