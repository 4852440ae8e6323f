using System.Collections.Immutable;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Transactions;

/// <summary>Kafka's transaction states (TransactionState.java), with Kafka's ids, as DescribeTransactions and ListTransactions name them.</summary>
public enum TransactionStatus : byte
{
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
}

/// <summary>What the coordinator does after asking <see cref="TransactionState"/> about a request.</summary>
public abstract record TransactionDecision;

/// <summary>
/// Nothing to persist: answer with <see cref="Error"/>. <see cref="ErrorCode.None"/> is a request already satisfied
/// (a retry); to InitProducerId it means "answer the current producer id and epoch".
/// </summary>
public sealed record TransactionAnswered(ErrorCode Error, string? Reason = null) : TransactionDecision;

/// <summary>Persist <see cref="Events"/>, apply them, then answer with <see cref="Answer"/> (to InitProducerId: with the new producer id and epoch).</summary>
public sealed record TransactionChanged(IReadOnlyList<ITransactionEvent> Events, ErrorCode Answer = ErrorCode.None) : TransactionDecision;

/// <summary>
/// InitProducerId needs a producer id the controller has not handed out yet (a new transactional id, or the epochs of
/// the current producer id are used up): take one from the ProducerIdAllocator and ask again with it.
/// </summary>
public sealed record TransactionNeedsProducerId : TransactionDecision
{
    public static readonly TransactionNeedsProducerId Instance = new();
    private TransactionNeedsProducerId() { }
}

/// <summary>
/// One transactional id as Kafka's transaction coordinator keeps it (TransactionMetadata): the producer id and epoch of
/// its current producer, the one before (KIP-360 retries), the transaction's state, partitions and groups, its timeout
/// and start. Pure and immutable: requests come in with the clock and get a <see cref="TransactionDecision"/> (data:
/// events to persist, an error to answer); only <see cref="Apply"/> changes anything, so the coordinator actor is a thin
/// shell and recovery replays the same events. No pending states: the actor persists one decision at a time (it stashes
/// meanwhile), where Kafka's coordinator guards its in-flight log writes with CONCURRENT_TRANSACTIONS.
/// <para>While in PrepareCommit or PrepareAbort the markers are not yet all written: <see cref="Partitions"/> and
/// <see cref="Groups"/> are what the coordinator must still tell, and a recovered coordinator in those states resends.</para>
/// </summary>
public sealed record TransactionState
{
    /// <summary>
    /// Kafka's exhausted epoch (TransactionMetadata.isEpochExhausted): InitProducerId never bumps past it, so a fencing
    /// bump (timeout, a new producer) always has one epoch left; the next InitProducerId takes a new producer id instead.
    /// </summary>
    public const short ExhaustedEpoch = short.MaxValue - 1;

    public const long NoProducerId = -1;
    public const short NoProducerEpoch = -1;

    private static readonly IComparer<TopicPartition> PartitionOrder = Comparer<TopicPartition>.Create((a, b) =>
        string.CompareOrdinal(a.Topic, b.Topic) is var byTopic and not 0 ? byTopic : a.Partition.CompareTo(b.Partition));

    public required string TransactionalId { get; init; }
    public long ProducerId { get; init; } = NoProducerId;
    public short ProducerEpoch { get; init; } = NoProducerEpoch;
    public long LastProducerId { get; init; } = NoProducerId;
    public short LastProducerEpoch { get; init; } = NoProducerEpoch;
    public int TimeoutMs { get; init; }
    public TransactionStatus Status { get; init; } = TransactionStatus.Empty;
    public ImmutableSortedSet<TopicPartition> Partitions { get; init; } = ImmutableSortedSet.Create(PartitionOrder);
    public ImmutableSortedSet<string> Groups { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
    /// <summary>When the open (or ending) transaction began: its first AddPartitionsToTxn or AddOffsetsToTxn.</summary>
    public DateTime? StartedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    /// <summary>A transactional id no InitProducerId has started yet.</summary>
    public static TransactionState New(string transactionalId) => new() { TransactionalId = transactionalId };

    /// <summary>Whether a producer holds this id now (an InitProducerId took effect and the id has not expired since).</summary>
    public bool HasProducer => ProducerId != NoProducerId && Status != TransactionStatus.Dead;

    /// <summary>When the open transaction times out (transaction.timeout.ms from its start); null when none is open.</summary>
    public DateTime? Deadline => Status == TransactionStatus.Ongoing && StartedAt is { } start ? start.AddMilliseconds(TimeoutMs) : null;

    /// <summary>PrepareCommit or PrepareAbort: markers are still to be written.</summary>
    public bool IsEnding => Status is TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort;

    // ---------------- InitProducerId ----------------

    /// <summary>
    /// Kafka's InitProducerId with a transactional id (TransactionCoordinator.handleInitProducerId): a new producer takes
    /// the id, its epoch one higher, which fences every older producer of the id; an open transaction is aborted first
    /// (the epoch bumped for the abort, CONCURRENT_TRANSACTIONS to retry), one being completed must finish
    /// (CONCURRENT_TRANSACTIONS). <paramref name="expected"/> is the producer id and epoch a KIP-360 producer (v3+)
    /// had, to carry on after an error: only the id's current producer (or a retry of its own bump) may.
    /// <paramref name="freshProducerId"/> is the id the controller handed out after <see cref="TransactionNeedsProducerId"/>.
    /// </summary>
    public TransactionDecision InitProducerId(int timeoutMs, ProducerIdAndEpoch? expected, TimeSpan maxTimeout, DateTime now, long? freshProducerId = null)
    {
        if (timeoutMs <= 0 || timeoutMs > maxTimeout.TotalMilliseconds)
            return new TransactionAnswered(ErrorCode.InvalidTransactionTimeout,
                $"transaction.timeout.ms {timeoutMs} is outside 1..{(long)maxTimeout.TotalMilliseconds} (the broker's transaction.max.timeout.ms)");

        if (!HasProducer)
            return freshProducerId is { } id
                ? Changed(new TransactionProducerInitialized(id, 0, NoProducerId, NoProducerEpoch, timeoutMs, now))
                : TransactionNeedsProducerId.Instance;

        if (expected is { } mine && !MayCarryOn(mine))
            return Fenced($"producer id {mine.ProducerId} no longer holds transactional id '{TransactionalId}' (now {ProducerId})");

        switch (Status)
        {
            case TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort:
                return Concurrent();
            case TransactionStatus.Ongoing:
                // The epoch bumped here is never handed to a producer: the abort's markers carry it, fencing the old
                // producer at every partition, and the retry after CONCURRENT_TRANSACTIONS bumps once more (or, if
                // that used up the epochs, takes a new producer id).
                return Changed(new TransactionEndPrepared(false, FencingEpoch(), now), ErrorCode.ConcurrentTransactions);
        }

        // Empty, CompleteCommit, CompleteAbort.
        if (ProducerEpoch >= ExhaustedEpoch && (expected is null || expected.Value.Epoch == ProducerEpoch))
            return freshProducerId is { } rotated
                ? Changed(new TransactionProducerInitialized(rotated, 0, ProducerId, expected is null ? NoProducerEpoch : ProducerEpoch, timeoutMs, now))
                : TransactionNeedsProducerId.Instance;

        if (expected is not { } had)
            return Changed(new TransactionProducerInitialized(ProducerId, (short)(ProducerEpoch + 1), LastProducerId, NoProducerEpoch, timeoutMs, now));
        if (had.Epoch == ProducerEpoch)
            return Changed(new TransactionProducerInitialized(ProducerId, (short)(ProducerEpoch + 1), LastProducerId, ProducerEpoch, timeoutMs, now));
        // A retry of a bump whose answer was lost: the same answer again. A newer producer's InitProducerId would have
        // cleared LastProducerEpoch, so this cannot revive a fenced producer.
        if (had.Epoch == LastProducerEpoch) return new TransactionAnswered(ErrorCode.None);
        return Fenced($"epoch {had.Epoch} of producer id {had.ProducerId} is neither the current ({ProducerEpoch}) nor the previous ({LastProducerEpoch})");
    }

    /// <summary>
    /// Kafka's isValidProducerId: the expected producer id is the current one (its epoch is checked when bumping), or
    /// the one before with its epochs used up (a retry of the InitProducerId that moved to a new producer id).
    /// </summary>
    private bool MayCarryOn(ProducerIdAndEpoch expected) =>
        expected.ProducerId == ProducerId || (expected.ProducerId == LastProducerId && expected.Epoch >= ExhaustedEpoch);

    // ---------------- AddPartitionsToTxn, AddOffsetsToTxn ----------------

    /// <summary>
    /// AddPartitionsToTxn from the producer: the partitions join the transaction, which starts (Ongoing) if none was
    /// open. Partitions already in an open transaction are a retry, answered without a write.
    /// </summary>
    public TransactionDecision AddPartitions(long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions, DateTime now)
    {
        if (RefuseToAdd(producerId, producerEpoch) is { } refused) return refused;
        var added = partitions.Where(p => !Partitions.Contains(p)).Distinct().ToList();
        if (Status == TransactionStatus.Ongoing && added.Count == 0) return new TransactionAnswered(ErrorCode.None);
        return Changed(new TransactionPartitionsAdded(added, now));
    }

    /// <summary>AddOffsetsToTxn: the group's transactional offset commits become part of the transaction.</summary>
    public TransactionDecision AddGroup(long producerId, short producerEpoch, string group, DateTime now)
    {
        if (RefuseToAdd(producerId, producerEpoch) is { } refused) return refused;
        if (Status == TransactionStatus.Ongoing && Groups.Contains(group)) return new TransactionAnswered(ErrorCode.None);
        return Changed(new TransactionGroupAdded(group, now));
    }

    private TransactionAnswered? RefuseToAdd(long producerId, short producerEpoch) =>
        RefuseProducer(producerId, producerEpoch) ?? (IsEnding ? Concurrent() : null);

    /// <summary>
    /// AddPartitionsToTxn v4+ with verify_only (KIP-890 part 1), asked by a partition before it appends a transactional
    /// batch: NONE for each partition in the producer's open transaction, INVALID_TXN_STATE for one not added (the
    /// batch would hold the partition's LSO back with no coordinator to end it). A whole-request error (another producer,
    /// a fenced epoch, a transaction being completed) applies to every partition. Nothing changes.
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, ErrorCode> VerifyPartitions(long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        var whole = RefuseProducer(producerId, producerEpoch)?.Error ?? (IsEnding ? ErrorCode.ConcurrentTransactions : (ErrorCode?)null);
        var answers = new Dictionary<TopicPartition, ErrorCode>();
        foreach (var p in partitions)
            answers[p] = whole ?? (Status == TransactionStatus.Ongoing && Partitions.Contains(p) ? ErrorCode.None : ErrorCode.InvalidTxnState);
        return answers;
    }

    // ---------------- EndTxn ----------------

    /// <summary>
    /// EndTxn from the producer: an open transaction goes to PrepareCommit or PrepareAbort (the coordinator answers once
    /// that is persisted, then writes the markers). A retry after the outcome is the same outcome: NONE once complete,
    /// CONCURRENT_TRANSACTIONS while still being completed; the other outcome, or no transaction, is INVALID_TXN_STATE.
    /// </summary>
    public TransactionDecision EndTransaction(long producerId, short producerEpoch, bool commit, DateTime now)
    {
        if (RefuseProducer(producerId, producerEpoch) is { } refused) return refused;
        var word = commit ? "commit" : "abort";
        return Status switch
        {
            TransactionStatus.Ongoing => Changed(new TransactionEndPrepared(commit, ProducerEpoch, now)),
            TransactionStatus.CompleteCommit when commit => new TransactionAnswered(ErrorCode.None),
            TransactionStatus.CompleteAbort when !commit => new TransactionAnswered(ErrorCode.None),
            TransactionStatus.PrepareCommit when commit => Concurrent(),
            TransactionStatus.PrepareAbort when !commit => Concurrent(),
            TransactionStatus.Empty => InvalidState($"cannot {word}: transactional id '{TransactionalId}' has no open transaction"),
            _ => InvalidState($"cannot {word}: the transaction of '{TransactionalId}' is {Status}"),
        };
    }

    // ---------------- The coordinator's own steps ----------------

    /// <summary>
    /// The open transaction is older than the producer's transaction.timeout.ms: abort it with the epoch bumped, so the
    /// producer is fenced (its next request: PRODUCER_FENCED) and none of its late batches can join another transaction.
    /// Null when nothing has timed out.
    /// </summary>
    public TransactionEndPrepared? TimedOut(DateTime now) =>
        Deadline is { } deadline && now >= deadline ? new TransactionEndPrepared(false, FencingEpoch(), now) : null;

    /// <summary>Every marker of the ending transaction is written and every group told: the event that completes it; null when none is ending.</summary>
    public TransactionEndCompleted? MarkersWritten(DateTime now) => IsEnding ? new TransactionEndCompleted(now) : null;

    /// <summary>transactional.id.expiration.ms since the id was last used, with no transaction open or ending: the event that expires it; null otherwise.</summary>
    public TransactionalIdExpired? Expired(DateTime now, TimeSpan expiration) =>
        HasProducer && Status is TransactionStatus.Empty or TransactionStatus.CompleteCommit or TransactionStatus.CompleteAbort
            && now - UpdatedAt >= expiration
            ? new TransactionalIdExpired(now)
            : null;

    // ---------------- Events ----------------

    public TransactionState Apply(ITransactionEvent e) => e switch
    {
        TransactionProducerInitialized i => this with
        {
            ProducerId = i.ProducerId, ProducerEpoch = i.ProducerEpoch, LastProducerId = i.LastProducerId,
            LastProducerEpoch = i.LastProducerEpoch, TimeoutMs = i.TimeoutMs, Status = TransactionStatus.Empty,
            Partitions = Partitions.Clear(), Groups = Groups.Clear(), StartedAt = null, UpdatedAt = i.At,
        },
        TransactionPartitionsAdded a => Started(a.At) with { Partitions = Partitions.Union(a.Partitions) },
        TransactionGroupAdded g => Started(g.At) with { Groups = Groups.Add(g.Group) },
        TransactionEndPrepared p => this with
        {
            Status = p.Commit ? TransactionStatus.PrepareCommit : TransactionStatus.PrepareAbort,
            // A fencing bump forgets the previous epoch, so no KIP-360 retry of it can get back in (Kafka: prepareFenceProducerEpoch).
            LastProducerEpoch = p.ProducerEpoch != ProducerEpoch ? NoProducerEpoch : LastProducerEpoch,
            ProducerEpoch = p.ProducerEpoch, UpdatedAt = p.At,
        },
        TransactionEndCompleted c => this with
        {
            Status = Status == TransactionStatus.PrepareCommit ? TransactionStatus.CompleteCommit : TransactionStatus.CompleteAbort,
            Partitions = Partitions.Clear(), Groups = Groups.Clear(), StartedAt = null, UpdatedAt = c.At,
        },
        TransactionalIdExpired x => this with { Status = TransactionStatus.Dead, UpdatedAt = x.At },
        _ => throw new ArgumentException($"not a transaction event: {e.GetType().Name}", nameof(e)),
    };

    private TransactionState Started(DateTime at) => this with
    {
        Status = TransactionStatus.Ongoing,
        StartedAt = Status == TransactionStatus.Ongoing ? StartedAt : at,
        UpdatedAt = at,
    };

    // ---------------- Shared checks ----------------

    /// <summary>Kafka's checks of a transactional request's producer: the id's current producer id, at its current epoch.</summary>
    private TransactionAnswered? RefuseProducer(long producerId, short producerEpoch)
    {
        if (!HasProducer || producerId != ProducerId)
            return new TransactionAnswered(ErrorCode.InvalidProducerIdMapping,
                $"producer id {producerId} does not hold transactional id '{TransactionalId}'; call InitProducerId");
        if (producerEpoch != ProducerEpoch)
            return Fenced($"epoch {producerEpoch} of producer id {producerId} is fenced by epoch {ProducerEpoch}");
        return null;
    }

    /// <summary>One higher, but never past short.MaxValue (reachable only by fencing a producer already at it, which InitProducerId's rotation prevents).</summary>
    private short FencingEpoch() => ProducerEpoch == short.MaxValue ? ProducerEpoch : (short)(ProducerEpoch + 1);

    private static TransactionChanged Changed(ITransactionEvent e, ErrorCode answer = ErrorCode.None) => new([e], answer);
    private static TransactionAnswered Fenced(string reason) => new(ErrorCode.ProducerFenced, reason);
    private static TransactionAnswered Concurrent() => new(ErrorCode.ConcurrentTransactions, "the previous transaction is still being completed");
    private static TransactionAnswered InvalidState(string reason) => new(ErrorCode.InvalidTxnState, reason);
}
