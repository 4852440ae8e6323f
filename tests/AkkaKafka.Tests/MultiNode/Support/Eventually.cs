using Xunit.Sdk;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>
/// Bounded polling for conditions the cluster reaches asynchronously (the async counterpart of TestKit's
/// AwaitAssert): the check runs again until it passes or the deadline is reached, and then its last failure is
/// the test's failure. Never a fixed sleep: a fast cluster passes at the first attempt.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs <paramref name="check"/> until it returns without throwing; returns what it returned.</summary>
    public static async Task<T> Async<T>(TimeSpan within, Func<Task<T>> check)
    {
        var deadline = DateTime.UtcNow + within;
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                return await check();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(Interval);
            }
            catch (Exception e)
            {
                throw new XunitException($"still failing after {within.TotalSeconds:0.#}s ({attempts} attempts): {e.Message}", e);
            }
        }
    }

    public static Task Async(TimeSpan within, Func<Task> check) =>
        Async(within, async () =>
        {
            await check();
            return true;
        });
}
