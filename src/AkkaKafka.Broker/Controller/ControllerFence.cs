namespace AkkaKafka.Broker.Controller;

/// <summary>
/// What this broker remembers about its own controller incarnations, across the restarts of the ZookeeperActor by
/// its back-off supervisor (one instance per node, created with the node; only the one running ZookeeperActor of the
/// node writes it).
/// <para>Every controller persists its epoch (<see cref="ControllerEpochStarted"/>) before it acts, and every later
/// controller event is a write under the same persistence id, so a controller whose epoch was superseded fails its
/// next write on the sequence number the newer controller took: the journal lets one controller write at a time. A
/// failed write stops the actor, and the supervisor starts it again; if the journal then shows an epoch newer than
/// the one that failed, the failure was not an outage but that newer controller, elected while this broker thought
/// it was still the oldest (frozen until downed, or cut off): this broker is the stale side. It must not take yet
/// another epoch (that would fence the real controller in turn): it stops, and its supervisor restarts it as a
/// fresh member.</para>
/// </summary>
public sealed class ControllerFence
{
    public const long NoFailure = -1;
    /// <summary>The epoch this broker's controller knew when its write failed; <see cref="NoFailure"/> when none failed since it last started.</summary>
    private long _failedAtEpoch = NoFailure;
    private string? _supersededBy;

    /// <summary>Why this broker stopped itself, once it found its controller superseded; null otherwise.</summary>
    public string? Superseded => Volatile.Read(ref _supersededBy);

    /// <summary>A journal write of this broker's controller at <paramref name="epoch"/> failed (the actor stops).</summary>
    public void WriteFailed(long epoch) => Volatile.Write(ref _failedAtEpoch, epoch);

    /// <summary>A controller incarnation of this broker persisted <paramref name="epoch"/>: it is the current one.</summary>
    public void Started(long epoch) => Volatile.Write(ref _failedAtEpoch, NoFailure);

    /// <summary>
    /// Called by a restarted controller once it has read the journal, before it persists an epoch of its own: the
    /// reason to stop this broker if a newer controller wrote since this broker's controller last failed a write,
    /// else null.
    /// </summary>
    public string? CheckAfterRecovery(string self, long journalEpoch)
    {
        var failed = Volatile.Read(ref _failedAtEpoch);
        var reason = Decide(self, failed, journalEpoch);
        if (reason is not null) Volatile.Write(ref _supersededBy, reason);
        return reason;
    }

    /// <summary>The rule, pure: superseded when a write failed at <paramref name="failedAtEpoch"/> (<see cref="NoFailure"/>: none) and the journal holds a newer epoch.</summary>
    public static string? Decide(string self, long failedAtEpoch, long journalEpoch) =>
        failedAtEpoch != NoFailure && journalEpoch > failedAtEpoch
            ? $"the controller on broker {self} (epoch {failedAtEpoch}) was superseded by controller epoch {journalEpoch} of another broker " +
              "while this broker was cut off or frozen; it stopped without acting and leaves the cluster"
            : null;
}
