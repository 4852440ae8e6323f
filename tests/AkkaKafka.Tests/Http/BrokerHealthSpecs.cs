using System.Net;
using System.Text.Json;
using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>GET /health/live and /health/ready of a broker process, as a load balancer or an orchestrator probes them.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerHealthSpecs(HttpBroker broker) : IClassFixture<HttpBroker>
{
    [Fact]
    public async Task A_running_broker_answers_that_it_is_live()
    {
        using var response = await broker.Http.GetAsync("health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_broker_up_in_the_cluster_with_a_journal_that_answers_is_ready()
    {
        // Up and the controller answering may follow the "is up" line by a moment; readiness is what a probe waits for.
        var (status, body) = await HttpBroker.AwaitAsync(async () =>
        {
            using var response = await broker.Http.GetAsync("health/ready");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }, r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "broker never became ready");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"status":"ready"}""", body);
    }
}
