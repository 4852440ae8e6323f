using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>The topic configs a Kafka client may pass with CreateTopics, and what a topic is created with.</summary>
[Trait("Speed", "Fast")]
public sealed class TopicConfigsSpecs
{
    private static TopicConfigsValidation Validate(params (string Name, string? Value)[] configs) =>
        TopicConfigs.Validate(configs.ToDictionary(c => c.Name, c => c.Value));

    [Fact]
    public void Without_configs_a_topic_takes_the_brokers_default_retention()
    {
        var result = Validate();

        Assert.True(result.IsValid);
        Assert.Equal((CreateTopic.UseDefault, CreateTopic.UseDefault), (result.RetentionMs, result.RetentionBytes));
    }

    [Fact]
    public void Retention_by_age_and_size_is_taken_as_given()
    {
        var result = Validate(("retention.ms", "86400000"), ("retention.bytes", "1073741824"), ("cleanup.policy", "delete"));

        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal((86_400_000L, 1_073_741_824L), (result.RetentionMs, result.RetentionBytes));
    }

    [Fact]
    public void Minus_one_keeps_records_forever_and_a_null_value_means_the_default()
    {
        var result = Validate(("retention.ms", "-1"), ("retention.bytes", null), ("cleanup.policy", null));

        Assert.Equal((-1L, CreateTopic.UseDefault), (result.RetentionMs, result.RetentionBytes));
    }

    [Theory]
    [InlineData("compact")]
    [InlineData("compact,delete")]
    [InlineData("")]
    public void Any_cleanup_policy_but_delete_is_refused_because_there_is_no_compaction(string policy)
    {
        var result = Validate(("cleanup.policy", policy));

        Assert.Equal(ErrorCode.InvalidConfig, result.Error);
        Assert.Equal($"cleanup.policy={policy} is not supported", result.ErrorMessage);
    }

    [Theory]
    [InlineData("retention.ms", "-2")]
    [InlineData("retention.ms", "a week")]
    [InlineData("retention.bytes", "-5")]
    [InlineData("retention.bytes", "1e9")]
    public void Impossible_retention_values_are_refused(string name, string value)
    {
        var result = Validate((name, value));

        Assert.Equal(ErrorCode.InvalidConfig, result.Error);
        Assert.Contains(name, result.ErrorMessage);
    }

    [Fact]
    public void Unknown_config_names_are_refused_as_kafka_does()
    {
        var result = Validate(("retention.ms", "1000"), ("no.such.config", "1"));

        Assert.Equal(ErrorCode.InvalidConfig, result.Error);
        Assert.Equal("Unknown topic config name: no.such.config", result.ErrorMessage);
    }

    [Theory]
    [InlineData("min.insync.replicas", "2")]
    [InlineData("segment.bytes", "1073741824")]
    [InlineData("segment.ms", "604800000")]
    public void Kafka_configs_that_change_nothing_here_are_accepted_and_ignored(string name, string value) =>
        Assert.True(Validate((name, value)).IsValid);

    [Fact]
    public void Message_timestamp_type_takes_Kafkas_two_values_spelled_as_Kafka_spells_them()
    {
        Assert.Equal(AkkaKafka.Protocol.Records.TimestampType.CreateTime, Validate().TimestampType);
        Assert.Equal(AkkaKafka.Protocol.Records.TimestampType.LogAppendTime, Validate(("message.timestamp.type", "LogAppendTime")).TimestampType);
        Assert.Equal(AkkaKafka.Protocol.Records.TimestampType.CreateTime, Validate(("message.timestamp.type", "CreateTime")).TimestampType);

        var refused = Validate(("message.timestamp.type", "logappendtime"));
        Assert.Equal(ErrorCode.InvalidConfig, refused.Error);
        Assert.Equal("Invalid value logappendtime for configuration message.timestamp.type: must be CreateTime or LogAppendTime", refused.ErrorMessage);
    }
}
