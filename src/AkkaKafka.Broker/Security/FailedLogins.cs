using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Security;

/// <summary>akkakafka.security.failed-logins (hocon/broker.hocon), read once.</summary>
public sealed record FailedLoginSettings(int FreeAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan ForgetAfter)
{
    public static FailedLoginSettings From(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.security.failed-logins");
        var settings = new FailedLoginSettings(c.Int("free-attempts"), c.TimeSpan("initial-delay"), c.TimeSpan("max-delay"), c.TimeSpan("forget-after"));
        if (settings.FreeAttempts < 0 || settings.InitialDelay < TimeSpan.Zero || settings.MaxDelay < settings.InitialDelay || settings.ForgetAfter <= TimeSpan.Zero)
            throw new ConfigurationException("akkakafka.security.failed-logins: free-attempts >= 0, 0 <= initial-delay <= max-delay, forget-after > 0");
        return settings;
    }
}

/// <summary>
/// Failed logins per user and per remote address, for both transports (Kafka SASL and Akka client logins), as SASL
/// servers slow password guessing down: after <see cref="FailedLoginSettings.FreeAttempts"/> failures in a row of a
/// user or from an address, each further failure is answered only after a delay that doubles from initial-delay up to
/// max-delay; a quiet spell of forget-after ends the burst. The first slowed failure of a burst yields one warning line.
/// Thread-safe without locks (the Kafka listener's connections and BrokerActor's logins share it); the caller waits
/// the delay without blocking (Task.Delay in the connection's loop, a piped reply in the actor).
/// </summary>
public sealed class FailedLogins(FailedLoginSettings settings)
{
    private sealed record Burst(int Failures, DateTime First, DateTime Last);

    private readonly ConcurrentDictionary<string, Burst> _bursts = new(StringComparer.Ordinal);
    private long _lastSweepTicks;

    /// <summary>How many users and addresses have a burst on record (ended ones are swept out, see <see cref="Sweep"/>).</summary>
    internal int Tracked => _bursts.Count;

    public FailedLoginSettings Settings => settings;

    /// <summary>Counts one failure; how long to hold its answer back, and the warning to print when a burst starts being slowed.</summary>
    public (TimeSpan Delay, string? Warning) Failed(string user, string address, DateTime now)
    {
        Sweep(now);
        var byUser = Count($"user:{user}", now);
        var byAddress = Count($"address:{address}", now);
        var worst = byUser.Failures >= byAddress.Failures ? byUser : byAddress;
        var over = worst.Failures - settings.FreeAttempts;
        if (over <= 0) return (TimeSpan.Zero, null);
        var delay = TimeSpan.FromTicks((long)Math.Min(settings.MaxDelay.Ticks, settings.InitialDelay.Ticks * Math.Pow(2, Math.Min(over - 1, 30))));
        // The busier of the two counts passes the free attempts once per burst: that failure, and only it, warns.
        var warning = over == 1
            ? $"{worst.Failures} failed logins for user '{user}' from {address} in the last {(now - worst.First).TotalSeconds:0.#}s; slowing them down (up to {settings.MaxDelay.TotalSeconds:0.###}s per answer)"
            : null;
        return (delay, warning);
    }

    /// <summary>A login succeeded: the user's and the address's bursts end.</summary>
    public void Succeeded(string user, string address)
    {
        _bursts.TryRemove($"user:{user}", out _);
        _bursts.TryRemove($"address:{address}", out _);
    }

    /// <summary>
    /// Drops bursts quiet for longer than forget-after, at most once per forget-after: a guesser who tries a new user
    /// name every time (each never logs in) would otherwise grow the table for as long as the broker runs.
    /// </summary>
    private void Sweep(DateTime now)
    {
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.Ticks - last < settings.ForgetAfter.Ticks || Interlocked.CompareExchange(ref _lastSweepTicks, now.Ticks, last) != last) return;
        foreach (var (key, burst) in _bursts)
            if (now - burst.Last > settings.ForgetAfter) _bursts.TryRemove(new KeyValuePair<string, Burst>(key, burst));
    }

    private Burst Count(string key, DateTime now) => _bursts.AddOrUpdate(key,
        _ => new Burst(1, now, now),
        (_, burst) => now - burst.Last > settings.ForgetAfter ? new Burst(1, now, now) : burst with { Failures = burst.Failures + 1, Last = now });
}

/// <summary>The broker's one <see cref="FailedLogins"/>, shared by the Kafka listener and BrokerActor.</summary>
public sealed class FailedLoginsExtension(FailedLogins logins) : IExtension
{
    public FailedLogins Logins => logins;

    public static FailedLogins For(ActorSystem system) => system.WithExtension<FailedLoginsExtension, FailedLoginsProvider>().Logins;
}

public sealed class FailedLoginsProvider : ExtensionIdProvider<FailedLoginsExtension>
{
    public override FailedLoginsExtension CreateExtension(ExtendedActorSystem system) =>
        new(new FailedLogins(FailedLoginSettings.From(system.Settings.Config)));
}
