using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>
/// The web console (GET /) loaded in headless Chromium against a broker process with a topic and a group: what the
/// page shows after its scripts ran is what an operator sees. Skipped without chromium, except under CI=true.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class WebConsoleSpecs(HttpBroker broker) : IClassFixture<HttpBroker>
{
    [SkippableFact]
    public async Task The_console_shows_the_cluster_the_topic_with_its_offsets_and_the_groups_lag()
    {
        Chromium.EnsureAvailable();
        await broker.ProduceAsync("console-topic", 5);
        await broker.ConsumeAsync("console-topic", "console-group", 2);

        var dom = await Chromium.DumpDomAsync(broker.BaseAddress);

        var topicRow = Row(dom, """data-topic="console-topic" data-partition="0">""");
        Assert.Equal("console-topic", Field(topicRow, "topic"));
        Assert.Equal("0", Field(topicRow, "log-start-offset"));
        Assert.Equal("5", Field(topicRow, "log-end-offset"));
        var groupRow = Row(dom, """data-group="console-group" data-topic="console-topic" data-partition="0">""");
        Assert.Equal("2", Field(groupRow, "committed-offset"));
        Assert.Equal("5", Field(groupRow, "log-end-offset"));
        Assert.Equal("3", Field(groupRow, "lag"));
        Assert.Contains($"""<tr data-broker="{broker.BrokerId}">""", dom);
        Assert.Contains("<polyline", dom); // the records-per-second chart was drawn
    }

    private static string Row(string dom, string start)
    {
        var at = dom.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no row {start} in the console:\n{dom}");
        return dom[at..dom.IndexOf("</tr>", at, StringComparison.Ordinal)];
    }

    private static string Field(string row, string field) =>
        Regex.Match(row, $"""data-field="{field}">([^<]*)<""") is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no {field} in {row}");
}
