using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// The README's commands run as written. Its three brokers "by hand, one terminal each" give only --port and --seed:
/// their Kafka and HTTP ports follow --port, so none fails on a port another took. The lines are taken from README.md
/// itself, with 4053-4055 moved to free ports P..P+2 (specs never use the default ports).
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed partial class ReadmeClusterSpecs : IDisposable
{
    private const int DefaultPort = 4053;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly string _workDirectory = Directory.CreateTempSubdirectory("akkakafka-readme-").FullName;
    private readonly List<CliProcess> _brokers = [];

    public void Dispose()
    {
        foreach (var broker in _brokers) broker.Dispose();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task The_three_brokers_started_by_hand_as_the_README_says_form_one_cluster_each_with_its_own_Kafka_and_HTTP_port()
    {
        var lines = ByHandLines();
        Assert.Equal(3, lines.Count);
        var basePort = FreeBase();
        var shift = basePort - DefaultPort;

        foreach (var line in lines)
        {
            // "./akkakafka broker --port 4053 --seed …" with each 405x moved by the same shift; ./akkakafka is the built program.
            var moved = PortNumber().Replace(line, m => (int.Parse(m.Value) + shift).ToString());
            var args = moved.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("./akkakafka", args[0]);
            _brokers.Add(CliProcess.Start(_workDirectory, args[1..]));
        }
        for (var i = 0; i < _brokers.Count; i++)
            Assert.True(await _brokers[i].WaitForOutputAsync("is up", Bound), _brokers[i].ToString());

        for (var i = 0; i < 3; i++)
        {
            var (kafka, http) = (9092 + shift + i, 8080 + shift + i);
            Assert.Contains($"Kafka:    127.0.0.1:{kafka}", _brokers[i].Stdout);
            Assert.Contains($"HTTP:     http://127.0.0.1:{http}/", _brokers[i].Stdout);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.True((await client.GetAsync($"http://127.0.0.1:{http}/health/live")).IsSuccessStatusCode);
        }
        var bootstrap = $"127.0.0.1:{basePort + 1}";
        await Eventually.Async(Bound, async () =>
        {
            var status = await CliProcess.RunAsync(_workDirectory, TimeSpan.FromSeconds(60), null, "cluster", "status", "--bootstrap", bootstrap);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains("Members: 3, oldest first\n", status.Stdout);
            // Each member with its own Kafka endpoint, as the controller's metadata tells Kafka clients.
            for (var i = 0; i < 3; i++) Assert.Contains($" 127.0.0.1:{9092 + shift + i}", status.Stdout);
        });
    }

    /// <summary>The broker lines of README.md's "or by hand, one terminal each" block, as printed there.</summary>
    private static List<string> ByHandLines()
    {
        var readme = File.ReadAllLines(Path.Combine(CliProcess.RepoRoot, "README.md"));
        var start = Array.FindIndex(readme, l => l.StartsWith("or by hand, one terminal each", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md has no 'or by hand, one terminal each' block");
        return readme.Skip(start + 1).SkipWhile(string.IsNullOrWhiteSpace).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal))
            .Select(l => l.Trim()).ToList();
    }

    /// <summary>
    /// P such that P..P+2 and the ports they imply (Kafka 9092 + (P - 4053) + i, HTTP 8080 + (P - 4053) + i) are free.
    /// </summary>
    private static int FreeBase()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var basePort = Random.Shared.Next(20000, 55000);
            var shift = basePort - DefaultPort;
            var ports = Enumerable.Range(0, 3).SelectMany(i => new[] { basePort + i, 9092 + shift + i, 8080 + shift + i });
            if (ports.All(IsFree)) return basePort;
        }
        throw new InvalidOperationException("no free base port with its Kafka and HTTP ports free in 200 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\b405[345]\b")]
    private static partial Regex PortNumber();
}
