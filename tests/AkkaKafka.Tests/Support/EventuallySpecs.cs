using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Sdk;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// The one polling helper every wait uses: what its failure says, and its yes/no form. A zero bound means one attempt,
/// so none of these depends on timing.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class EventuallySpecs
{
    [Fact]
    public async Task A_wait_that_runs_out_fails_with_what_it_waited_for_and_then_the_context()
    {
        var failure = await Assert.ThrowsAsync<XunitException>(() =>
            Eventually.Async(TimeSpan.Zero, () => throw new XunitException("group g never reached the expected state"), () => "\n--- broker log ---"));

        Assert.StartsWith("still failing after 0s (1 attempts): group g never reached the expected state\n--- broker log ---", failure.Message);
    }

    [Fact]
    public async Task The_context_is_built_only_for_the_final_failure()
    {
        var built = 0;
        var value = await Eventually.Async(TimeSpan.Zero, () => Task.FromResult(42), () => $"{++built}");

        Assert.Equal(42, value);
        Assert.Equal(0, built);
    }

    [Fact]
    public async Task Holds_says_whether_the_condition_held_in_time()
    {
        Assert.True(await Eventually.Holds(TimeSpan.Zero, () => true));
        Assert.False(await Eventually.Holds(TimeSpan.Zero, () => false));
        Assert.True(await Eventually.Holds(TimeSpan.Zero, () => Task.FromResult(true)));
        Assert.False(await Eventually.Holds(TimeSpan.Zero, Task<bool> () => throw new IOException("connection refused")));
    }
}
