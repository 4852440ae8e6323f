using AkkaKafka.Broker.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>The failed-login count itself, on a given clock: which failure waits how long, and which one warns.</summary>
[Trait("Speed", "Fast")]
public sealed class FailedLoginCountSpecs
{
    private static readonly FailedLoginSettings Settings = new(FreeAttempts: 3, InitialDelay: TimeSpan.FromMilliseconds(100), MaxDelay: TimeSpan.FromSeconds(1), ForgetAfter: TimeSpan.FromMinutes(1));
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void After_the_free_attempts_each_failure_waits_twice_as_long_up_to_the_cap_and_only_the_first_slowed_one_warns()
    {
        var logins = new FailedLogins(Settings);

        var answers = Enumerable.Range(0, 9).Select(i => logins.Failed("mallory", "10.0.0.7", Start.AddSeconds(i))).ToList();

        Assert.Equal(new[] { 0, 0, 0, 100, 200, 400, 800, 1000, 1000 }, answers.Select(a => (int)a.Delay.TotalMilliseconds));
        var warning = Assert.Single(answers, a => a.Warning is not null).Warning;
        Assert.Equal("4 failed logins for user 'mallory' from 10.0.0.7 in the last 3s; slowing them down (up to 1s per answer)", warning);
    }

    [Fact]
    public void Guessing_many_users_from_one_address_is_slowed_down_by_the_address_count()
    {
        var logins = new FailedLogins(Settings);

        var answers = Enumerable.Range(0, 5).Select(i => logins.Failed($"user-{i}", "10.0.0.7", Start)).ToList();

        Assert.Equal(new[] { 0, 0, 0, 100, 200 }, answers.Select(a => (int)a.Delay.TotalMilliseconds));
    }

    [Fact]
    public void A_successful_login_or_a_quiet_spell_ends_the_burst()
    {
        var logins = new FailedLogins(Settings);
        for (var i = 0; i < 5; i++) logins.Failed("bob", "10.0.0.8", Start);

        logins.Succeeded("bob", "10.0.0.8");
        Assert.Equal(TimeSpan.Zero, logins.Failed("bob", "10.0.0.8", Start).Delay);

        for (var i = 0; i < 5; i++) logins.Failed("bob", "10.0.0.8", Start);
        var afterQuiet = logins.Failed("bob", "10.0.0.8", Start + Settings.ForgetAfter + TimeSpan.FromSeconds(1));
        Assert.Equal((TimeSpan.Zero, (string?)null), afterQuiet);
    }

    [Fact]
    public void Bursts_that_ended_are_forgotten_so_guessing_ever_new_user_names_does_not_grow_the_table()
    {
        var logins = new FailedLogins(Settings);
        for (var i = 0; i < 1000; i++) logins.Failed($"guess-{i}", "10.0.0.9", Start);
        Assert.Equal(1001, logins.Tracked);

        logins.Failed("late", "10.0.0.10", Start + Settings.ForgetAfter + TimeSpan.FromSeconds(1));

        Assert.Equal(2, logins.Tracked);
    }
}
