using System.Diagnostics;

namespace AkkaKafka.Client.Verification;

/// <summary>What the chaos did: its seed and one line per fault.</summary>
public sealed record ChaosSummary(int Seed, IReadOnlyList<string> Faults, int Kills, int Freezes, int Terminations, int Restarts, bool CanRestart);

/// <summary>
/// Faults for <c>akkakafka verify --chaos</c>: every interval (varied by half either way) one of the given broker
/// processes, chosen at random (the controller among them), is sent SIGKILL, SIGSTOP then SIGCONT, or SIGTERM, and
/// started again with the restart command if it stopped. Only the pids it was given are ever signalled (and the
/// brokers it restarted in their place). The schedule comes from a seeded Random, so a seed replays it.
/// </summary>
public sealed class Chaos(ChaosOptions options, Action<string> progress)
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);
    private readonly Random _random = new(options.Seed);
    private readonly List<Target> _targets = options.BrokerPids.Select((pid, i) => new Target(i + 1, pid, null)).ToList();
    private readonly List<string> _faults = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _kills, _freezes, _terminations, _restarts;

    private bool CanRestart => options.RestartCommand is not null;

    /// <summary>Injects faults until <paramref name="ct"/> is cancelled; then thaws every broker and restarts those that stopped.</summary>
    public async Task<ChaosSummary> RunAsync(CancellationToken ct)
    {
        if (!CanRestart) progress("chaos: no --restart-command, so a stopped broker could not come back: only SIGSTOP/SIGCONT");
        progress($"chaos seed {options.Seed} (replay the schedule with --seed {options.Seed})");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = options.Interval * (0.5 + _random.NextDouble());
                // Drawn before the wait, so that the schedule depends on the seed only.
                var pick = _random.Next(_targets.Count);
                var fault = CanRestart ? _random.Next(3) : 1;
                var hold = TimeSpan.FromMilliseconds(_random.Next(500, (int)Math.Max(1000, options.Interval.TotalMilliseconds)));
                await Task.Delay(wait, ct);
                var target = _targets[pick];
                if (!target.IsAlive)
                {
                    Record($"broker {target.Number} (pid {target.Pid}) is not running; skipped");
                    continue;
                }
                switch (fault)
                {
                    case 0: await KillAsync(target); break;
                    case 1: await FreezeAsync(target, hold, ct); break;
                    default: await TerminateAsync(target); break;
                }
                RestartStopped();
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            foreach (var t in _targets.Where(t => t.Frozen)) Thaw(t);
            RestartStopped();
        }
        return new ChaosSummary(options.Seed, _faults, _kills, _freezes, _terminations, _restarts, CanRestart);
    }

    private async Task KillAsync(Target target)
    {
        _kills++;
        BrokerSignals.Send(target.Pid, BrokerSignals.SigKill);
        var exited = await AwaitExitAsync(target, ExitWithin);
        Record($"SIGKILL broker {target.Number} (pid {target.Pid}){(exited ? "" : ", still running after 30s")}");
    }

    private async Task FreezeAsync(Target target, TimeSpan hold, CancellationToken ct)
    {
        _freezes++;
        BrokerSignals.Send(target.Pid, BrokerSignals.SigStop);
        target.Frozen = true;
        try
        {
            await Task.Delay(hold, ct);
        }
        finally
        {
            Thaw(target);
            Record($"SIGSTOP broker {target.Number} (pid {target.Pid}), SIGCONT after {hold.TotalSeconds:0.0}s");
        }
    }

    private void Thaw(Target target)
    {
        BrokerSignals.Send(target.Pid, BrokerSignals.SigCont);
        target.Frozen = false;
    }

    private async Task TerminateAsync(Target target)
    {
        _terminations++;
        BrokerSignals.Send(target.Pid, BrokerSignals.SigTerm);
        var exited = await AwaitExitAsync(target, ExitWithin);
        if (!exited) BrokerSignals.Send(target.Pid, BrokerSignals.SigKill);
        Record($"SIGTERM broker {target.Number} (pid {target.Pid}){(exited ? "" : ", still running after 30s: SIGKILL")}");
    }

    private static async Task<bool> AwaitExitAsync(Target target, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (target.IsAlive)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>
    /// Starts again every broker that is not running: the one just killed, and one that exited by itself (a broker
    /// frozen long enough to be downed leaves when it wakes up).
    /// </summary>
    private void RestartStopped()
    {
        if (options.RestartCommand is not { } command) return;
        foreach (var target in _targets.Where(t => !t.IsAlive && !t.Frozen))
        {
            var line = command.Replace("{n}", target.Number.ToString(), StringComparison.Ordinal)
                .Replace("{pid}", target.Pid.ToString(), StringComparison.Ordinal);
            // exec: the shell becomes the broker, so the pid we hold is the broker's. Its output goes nowhere unless
            // the command says where: the broker outlives this run and must not write into a closed pipe.
            var start = new ProcessStartInfo("/bin/sh", ["-c", $"exec >/dev/null 2>&1 </dev/null; exec {line}"]) { UseShellExecute = false };
            try
            {
                var process = Process.Start(start) ?? throw new InvalidOperationException("no process");
                Record($"restarted broker {target.Number} (pid {target.Pid}) as pid {process.Id}");
                target.Replace(process);
                _restarts++;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                Record($"could not restart broker {target.Number}: {e.Message}");
            }
        }
    }

    private void Record(string line)
    {
        line = $"[{_clock.Elapsed:mm\\:ss}] {line}";
        _faults.Add(line);
        progress("chaos: " + line);
    }

    /// <summary>One broker: the pid given, or the process this run restarted in its place.</summary>
    private sealed class Target(int number, int pid, Process? process)
    {
        public int Number { get; } = number;
        public int Pid { get; private set; } = pid;
        public bool Frozen { get; set; }

        // A broker this run started is its child: Process reaps it, so /proc alone would show it as a zombie forever.
        public bool IsAlive => process is { } p ? !p.HasExited : BrokerSignals.IsAlive(Pid);

        public void Replace(Process restarted)
        {
            process = restarted;
            Pid = restarted.Id;
        }
    }
}
