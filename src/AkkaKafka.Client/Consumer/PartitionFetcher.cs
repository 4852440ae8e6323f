using System.Threading.Channels;
using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// Reads one partition for one <see cref="PartitionLease"/>, driven by messages: finds its start offset, then keeps
/// exactly one fetch wanted at a time (the consumer's <see cref="BrokerFetches"/> puts it in one Kafka Fetch per broker
/// with the other partitions that broker owns), puts the records of an answer into the application's bounded buffer
/// and fetches again only once they are all in. When the
/// buffer is full it waits for room (no thread blocked, nothing fetched meanwhile), so what it holds is at most one
/// fetch answer. A partition that moved is looked up again; errors are retried and told to the application once per
/// error (<see cref="FetchError"/>), not once per fetch. Its parent, the <see cref="ConsumerActor"/>, stops it when the
/// lease ends; records of the lease still in the buffer are then dropped by the reader.
/// </summary>
internal sealed class PartitionFetcher : UntypedActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private static readonly TimeSpan MovedRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ErrorRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StartRetry = TimeSpan.FromSeconds(1);

    private readonly IActorRef _fetches;
    private readonly PartitionLease _lease;
    private readonly StartPosition _start;
    private readonly ChannelWriter<Delivery> _buffer;
    private readonly Action<FetchError> _onError;
    private readonly CancellationTokenSource _stop = new();
    // Records of the last answer not yet in the buffer: at most one fetch's worth (fetch-max-bytes).
    private readonly Queue<Delivery> _ready = new();
    private long _position = -1;
    private ErrorCode? _told;

    public PartitionFetcher(IActorRef fetches, PartitionLease lease, StartPosition start, ChannelWriter<Delivery> buffer, Action<FetchError> onError)
    {
        _fetches = fetches;
        _lease = lease;
        _start = start;
        _buffer = buffer;
        _onError = onError;
    }

    public static Props Props(IActorRef fetches, PartitionLease lease, StartPosition start, ChannelWriter<Delivery> buffer, Action<FetchError> onError) =>
        Akka.Actor.Props.Create(() => new PartitionFetcher(fetches, lease, start, buffer, onError));

    public ITimerScheduler Timers { get; set; } = null!;

    private TopicPartition Partition => _lease.Partition;

    protected override void PreStart() => FindStart();

    protected override void PostStop() => _stop.Cancel();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Positioned positioned:
                _position = positioned.Offset;
                Context.Parent.Tell(new FetcherPositioned(_lease));
                Fetch();
                break;
            case StartNotFound failed:
                var error = failed.Error is KafkaException k ? k.Error : ErrorCode.RequestTimedOut;
                Tell(error, $"finding the start offset: {failed.Error.Message}");
                Context.Parent.Tell(new FetcherCannotStart(_lease, failed.Error));
                Timers.StartSingleTimer(RetryTimer, RetryStart.Instance, StartRetry);
                break;
            case RetryStart:
                FindStart();
                break;
            case RetryFetch:
                Fetch();
                break;
            case PartitionFetched fetched:
                OnFetched(fetched);
                break;
            case RoomInBuffer:
                Pump();
                break;
            case BufferClosed:
                Context.Stop(Self);
                break;
        }
    }

    private void FindStart()
    {
        if (_start is StartPosition.At at) Self.Tell(new Positioned(at.Offset));
        else _fetches.Tell(new BrokerFetches.WantStart(Partition, _start));
    }

    private void Fetch() => _fetches.Tell(new BrokerFetches.WantFetch(Partition, _position));

    private void OnFetched(PartitionFetched fetched)
    {
        if (fetched.Data is not { } response)
        {
            // No answer in time, or the connection to the owner dropped: look the owner up again and retry.
            Tell(ErrorCode.RequestTimedOut, fetched.Failure?.Message ?? "no answer");
            RetryIn(ErrorRetry);
            return;
        }
        switch (response.ErrorCode)
        {
            case ErrorCode.None:
                _told = null;
                // Markers are never handed over; read_committed skips aborted transactions (the fetch's isolation level).
                var read = FetchedRecords.Read(response.Records ?? ReadOnlyMemory<byte>.Empty, _position, fetched.Isolation, response.AbortedTransactions);
                foreach (var record in read.Records)
                    _ready.Enqueue(new Delivery(new ConsumerRecord(Partition.Topic, Partition.Partition, record.Offset, record.Timestamp,
                        record.Key, record.Value, record.Headers), _lease));
                // Past transaction markers and aborted batches too, or a fetch would return them again and again.
                _position = read.Position;
                // What was read before the damage goes to the application; the rest is fetched again (and told).
                if (read.Corrupt is { } corrupt) Tell(ErrorCode.CorruptMessage, corrupt.Message);
                Pump();
                break;
            case ErrorCode.OffsetOutOfRange when _position < response.LogStartOffset:
                // Retention removed what we wanted to read: continue from the oldest record left (auto.offset.reset=earliest).
                _position = response.LogStartOffset;
                Fetch();
                break;
            case ErrorCode.OffsetOutOfRange:
                _position = response.HighWatermark;
                Fetch();
                break;
            case ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable:
                // The partition moved or is moving: routine, followed by itself, not worth telling.
                RetryIn(MovedRetry);
                break;
            default:
                // Kafka's Fetch carries a code per partition, not a reason: the code's meaning, said for this partition.
                Tell(response.ErrorCode, response.ErrorCode == ErrorCode.UnknownTopicOrPartition
                    ? $"topic '{Partition.Topic}' partition {Partition.Partition} does not exist"
                    : response.ErrorCode.Describe());
                RetryIn(ErrorRetry);
                break;
        }
    }

    /// <summary>Moves ready records into the buffer while it has room; waits for room without blocking; fetches again when all are in.</summary>
    private void Pump()
    {
        while (_ready.TryPeek(out var delivery))
        {
            if (_lease.Revoked)
            {
                _ready.Clear();
                return; // the parent stops us
            }
            if (!_buffer.TryWrite(delivery))
            {
                _buffer.WaitToWriteAsync(_stop.Token).AsTask()
                    .PipeTo(Self, success: open => open ? RoomInBuffer.Instance : BufferClosed.Instance, failure: _ => BufferClosed.Instance);
                return;
            }
            _ready.Dequeue();
        }
        Fetch();
    }

    private void RetryIn(TimeSpan delay) => Timers.StartSingleTimer(RetryTimer, RetryFetch.Instance, delay);

    /// <summary>Tells the application about an error once, until fetches succeed again or the error changes.</summary>
    private void Tell(ErrorCode error, string reason)
    {
        if (_told == error) return;
        _told = error;
        try
        {
            _onError(new FetchError(Partition.Topic, Partition.Partition, error, reason));
        }
        catch (Exception)
        {
            // The application's callback failing must not stop reading.
        }
    }

    internal sealed record Positioned(long Offset);

    internal sealed record StartNotFound(Exception Error);

    private sealed class RetryFetch
    {
        public static readonly RetryFetch Instance = new();
    }

    private sealed class RetryStart
    {
        public static readonly RetryStart Instance = new();
    }

    private sealed class RoomInBuffer
    {
        public static readonly RoomInBuffer Instance = new();
    }

    private sealed class BufferClosed
    {
        public static readonly BufferClosed Instance = new();
    }
}
