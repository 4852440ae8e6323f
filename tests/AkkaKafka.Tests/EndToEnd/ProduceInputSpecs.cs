using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>`produce` keeps each input line's bytes as they are, as kcat does; only "\n" (or "\r\n") ends a line.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ProduceInputSpecs : OneBrokerSpecs
{
    [Fact]
    public async Task Each_line_is_one_record_with_its_bytes_kept_a_lone_CR_included_and_CRLF_ending_like_LF()
    {
        var created = await Cluster.RunAsync(CommandTimeout, null, "topic", "create", "raw", "--partitions", "1", "--bootstrap", Cluster.Bootstrap);
        Assert.True(created.ExitCode == 0, created.ToString());
        byte[] notUtf8 = [0xFF, 0xFE, (byte)'x', 0xC3];
        var input = new List<byte>();
        input.AddRange("windows line\r\n"u8.ToArray());
        input.AddRange(notUtf8);
        input.Add((byte)'\n');
        input.AddRange("a\rb\n"u8.ToArray());
        input.Add((byte)'\n');
        input.AddRange("last line without a newline"u8.ToArray());

        var produced = await CliProcess.RunWithBytesAsync(Cluster.WorkDirectory, CommandTimeout, input.ToArray(), "produce", "--topic", "raw", "--bootstrap", Cluster.Bootstrap);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        byte[][] expected = ["windows line"u8.ToArray(), notUtf8, "a\rb"u8.ToArray(), [], "last line without a newline"u8.ToArray()];
        var values = await ReadValuesAsync("raw", expected.Length);
        Assert.Equal(expected.Select(Convert.ToHexString), values.Select(Convert.ToHexString));
    }

    /// <summary>The stored values, read with the client library (the console consumer prints text, which would hide the bytes).</summary>
    private async Task<List<byte[]>> ReadValuesAsync(string topic, int count)
    {
        await using var connection = ClusterConnection.Create([new HostPort("127.0.0.1", Cluster.Ports[0])]);
        await using var consumer = new Consumer(connection);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await consumer.AssignAsync(topic, new StartPosition.Earliest(), null, cts.Token);
        var values = new List<byte[]>();
        await foreach (var record in consumer.ReadAllAsync(cts.Token))
        {
            values.Add(record.Value ?? []);
            if (values.Count == count) break;
        }
        return values;
    }
}
