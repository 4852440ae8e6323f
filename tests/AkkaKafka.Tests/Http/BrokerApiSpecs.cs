using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>The JSON API (/api/cluster, /api/topics, /api/groups) that the console and scripts read, on a read-only broker.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerApiSpecs(HttpBroker broker) : IClassFixture<HttpBroker>
{
    [Fact]
    public async Task The_cluster_api_names_this_broker_up_as_leader_and_controller_with_its_endpoints()
    {
        var cluster = await broker.GetJsonAsync("api/cluster");

        Assert.Equal(broker.BrokerId, cluster.GetProperty("self").GetString());
        Assert.Equal(broker.BrokerId, cluster.GetProperty("controller").GetString());
        Assert.False(cluster.GetProperty("admin").GetBoolean());
        var self = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", self.GetProperty("status").GetString());
        Assert.True(self.GetProperty("controller").GetBoolean());
        Assert.True(self.GetProperty("leader").GetBoolean());
        Assert.Equal($"127.0.0.1:{broker.HttpPort}", self.GetProperty("httpEndpoint").GetString());
    }

    [Fact]
    public async Task The_topics_api_shows_each_partitions_owner_offsets_size_and_retention()
    {
        await broker.ProduceAsync("api-topic", 7, partitions: 2);

        var topic = (await broker.GetJsonAsync("api/topics")).EnumerateArray().Single(t => t.GetProperty("name").GetString() == "api-topic");

        Assert.Equal(2, topic.GetProperty("partitionCount").GetInt32());
        Assert.Equal(604800000, topic.GetProperty("retentionMs").GetInt64());
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p =>
        {
            Assert.Equal(broker.BrokerId, p.GetProperty("owner").GetString());
            Assert.Equal(0, p.GetProperty("logStartOffset").GetInt64());
        });
        Assert.Equal(7, partitions.Sum(p => p.GetProperty("logEndOffset").GetInt64()));
        Assert.All(partitions.Where(p => p.GetProperty("logEndOffset").GetInt64() > 0), p => Assert.True(p.GetProperty("sizeBytes").GetInt64() > 0));
    }

    [Fact]
    public async Task The_groups_api_shows_a_groups_committed_offset_log_end_and_lag()
    {
        await broker.ProduceAsync("api-lag", 5);
        await broker.ConsumeAsync("api-lag", "api-lag-group", 2);

        var group = (await broker.GetJsonAsync("api/groups")).EnumerateArray().Single(g => g.GetProperty("group").GetString() == "api-lag-group");

        var partition = Assert.Single(group.GetProperty("partitions").EnumerateArray());
        Assert.Equal("api-lag", partition.GetProperty("topic").GetString());
        Assert.Equal(2, partition.GetProperty("committedOffset").GetInt64());
        Assert.Equal(5, partition.GetProperty("logEndOffset").GetInt64());
        Assert.Equal(3, partition.GetProperty("lag").GetInt64());
    }

    [Fact]
    public async Task A_read_only_broker_refuses_to_create_or_delete_topics_over_http()
    {
        await broker.ProduceAsync("api-kept", 1);

        using var create = await broker.Http.PostAsJsonAsync("api/topics", new { name = "api-refused", partitions = 1 });
        using var delete = await broker.Http.DeleteAsync("api/topics/api-kept");

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Contains("--http-admin", await create.Content.ReadAsStringAsync());
        var names = (await broker.GetJsonAsync("api/topics")).EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("api-kept", names);
        Assert.DoesNotContain("api-refused", names);
    }
}

/// <summary>The API of a broker started with --http-admin: topics created and deleted over HTTP.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerAdminApiSpecs(AdminHttpBroker broker) : IClassFixture<AdminHttpBroker>
{
    [Fact]
    public async Task With_http_admin_a_topic_is_created_and_deleted_over_http()
    {
        using var created = await broker.Http.PostAsJsonAsync("api/topics", new { name = "admin-made", partitions = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var again = await broker.Http.PostAsJsonAsync("api/topics", new { name = "admin-made", partitions = 3 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var topic = (await broker.GetJsonAsync("api/topics")).EnumerateArray().Single(t => t.GetProperty("name").GetString() == "admin-made");
        Assert.Equal(3, topic.GetProperty("partitionCount").GetInt32());

        using var deleted = await broker.Http.DeleteAsync("api/topics/admin-made");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await HttpBroker.AwaitAsync(async () => (await broker.GetJsonAsync("api/topics")).EnumerateArray().Count(t => t.GetProperty("name").GetString() == "admin-made"),
            n => n == 0, TimeSpan.FromSeconds(30), "the deleted topic is still listed");
    }

    [Fact]
    public async Task A_topic_without_a_name_is_refused_as_a_bad_request()
    {
        using var response = await broker.Http.PostAsJsonAsync("api/topics", new { partitions = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
