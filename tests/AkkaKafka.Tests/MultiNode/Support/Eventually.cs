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
    /// <param name="context">Appended to the final failure only (e.g. the brokers' log tails): too costly to build per attempt.</param>
    public static async Task<T> Async<T>(TimeSpan within, Func<Task<T>> check, Func<string>? context = null)
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
                throw new XunitException($"still failing after {within.TotalSeconds:0.#}s ({attempts} attempts): {e.Message}{context?.Invoke()}", e);
            }
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> the same way until it holds; whether it did in time. For waits whose caller
    /// asserts with a message of its own (e.g. a process's whole output).
    /// </summary>
    public static async Task<bool> Holds(TimeSpan within, Func<Task<bool>> condition)
    {
        try
        {
            await Async(within, async () =>
            {
                if (!await condition()) throw new XunitException("not yet");
            });
            return true;
        }
        catch (XunitException)
        {
            return false;
        }
    }

    public static Task<bool> Holds(TimeSpan within, Func<bool> condition) => Holds(within, () => Task.FromResult(condition()));

    public static Task Async(TimeSpan within, Func<Task> check, Func<string>? context = null) =>
        Async(within, async () =>
        {
            await check();
            return true;
        }, context);
}
