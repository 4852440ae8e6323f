using Akka.Actor;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Producer;

/// <summary>The application's handle on a <see cref="ProducerActor"/>: send records, await their offsets, flush.</summary>
public sealed class Producer : IAsyncDisposable
{
    private readonly IActorRef _actor;

    public Producer(ClusterConnection connection, Acks acks = Acks.All, string? clientId = null)
    {
        ClientId = clientId ?? $"producer-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        _actor = connection.System.ActorOf(ProducerActor.Props(connection, acks, ClientId), $"producer-{Guid.NewGuid():N}");
    }

    public string ClientId { get; }

    /// <summary>Queues a record; the task completes when it is acknowledged (or at once for acks=0 once sent).</summary>
    public Task<RecordMetadata> SendAsync(ProducerRecord record)
    {
        var completion = new TaskCompletionSource<RecordMetadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new Send(record, completion));
        return completion.Task;
    }

    /// <summary>Sends every open batch now and waits until nothing is waiting or in flight.</summary>
    public Task FlushAsync()
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new Flush(completion));
        return completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync();
        await _actor.GracefulStop(TimeSpan.FromSeconds(5));
    }
}
