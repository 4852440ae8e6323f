namespace AkkaKafka.Client.Verification;

/// <summary>Asks again until an answer comes or the deadline passes: brokers fail over while a checker reads.</summary>
internal static class Retry
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    public static async Task<T> UntilAsync<T>(DateTime deadline, Func<Task<T>> attempt, CancellationToken ct = default)
    {
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception) when (DateTime.UtcNow + Pause < deadline && !ct.IsCancellationRequested)
            {
                await Task.Delay(Pause, ct);
            }
        }
    }

    public static Task UntilAsync(DateTime deadline, Func<Task> attempt, CancellationToken ct = default) =>
        UntilAsync(deadline, async () => { await attempt(); return true; }, ct);

    public static TimeSpan Remaining(DateTime deadline) =>
        deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
}
