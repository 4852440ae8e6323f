using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>`akkakafka bench failover` runs a local cluster of its own, kills a broker and reports the failover time.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class FailoverBenchSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkakafka-failover-bench-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task One_round_kills_the_leader_and_reports_the_round_and_the_median()
    {
        var data = Path.Combine(_dir, "data");
        var result = await CliProcess.RunAsync(_dir, TimeSpan.FromSeconds(180), null,
            "bench", "failover", "--rounds", "1", "--base-port", FreeConsecutivePorts(3).ToString(), "--data", data);

        // Only the shape of the report: the figures depend on the machine and are not for a test to judge.
        var report = result + BrokerLogTails(data);
        Assert.False(result.TimedOut, report);
        Assert.True(result.ExitCode == 0, report);
        Assert.Matches(new Regex(@"^round 1: killed leader 127\.0\.0\.1:\d+ \(partitions [\d,]+\): first produce to an affected partition after \d+\.\d\d s, all affected partitions after \d+\.\d\d s$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^first produce to an affected partition: median \d+\.\d\d s, min \d+\.\d\d s, max \d+\.\d\d s over 1 round$", RegexOptions.Multiline), result.Stdout);
    }

    /// <summary>The first of <paramref name="count"/> consecutive loopback ports that are free now.</summary>
    private static int FreeConsecutivePorts(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = CliProcess.FreePort();
            if (first + count - 1 <= 65535 && Enumerable.Range(first + 1, count - 1).All(IsFree)) return first;
        }
        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string BrokerLogTails(string data)
    {
        var logs = Path.Combine(data, "logs");
        if (!Directory.Exists(logs)) return "";
        return string.Concat(Directory.GetFiles(logs).Order().Select(f =>
            $"\n--- {Path.GetFileName(f)} (last 30 lines)\n{string.Join("\n", File.ReadLines(f).TakeLast(30))}"));
    }
}
