namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// IncrementalAlterConfigs v0–1 (flexible from v1). Each config has an operation: 0 SET, 1 DELETE (back to the default),
/// 2 APPEND and 3 SUBTRACT (list configs only). ResourceType is Kafka's int8 (2 topic, 4 broker).
/// </summary>
public sealed record IncrementalAlterConfigsRequestData(
    IReadOnlyList<IncrementalAlterConfigsRequestData.AlterConfigsResource> Resources,
    bool ValidateOnly = false) : IKafkaRequest
{
    public const sbyte TopicResource = 2;
    public const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    public sealed record AlterConfigsResource(sbyte ResourceType, string ResourceName, IReadOnlyList<AlterableConfig> Configs);

    public sealed record AlterableConfig(string Name, sbyte ConfigOperation, string? Value);

    public ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;

    public static IncrementalAlterConfigsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.IncrementalAlterConfigs, version);
        var resources = r.Array((ref KafkaReader e) =>
        {
            var type = e.Int8();
            var name = e.String(flexible);
            var configs = e.Array((ref KafkaReader c) =>
            {
                var config = new AlterableConfig(c.String(flexible), c.Int8(), c.NullableString(flexible));
                c.TaggedFields(flexible);
                return config;
            }, flexible);
            e.TaggedFields(flexible);
            return new AlterConfigsResource(type, name, configs);
        }, flexible);
        var validateOnly = r.Boolean();
        r.TaggedFields(flexible);
        return new IncrementalAlterConfigsRequestData(resources, validateOnly);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.IncrementalAlterConfigs, version);
        w.Array(Resources, (e, resource) => e
            .Int8(resource.ResourceType)
            .String(resource.ResourceName, flexible)
            .Array(resource.Configs, (c, config) => c
                .String(config.Name, flexible)
                .Int8(config.ConfigOperation)
                .NullableString(config.Value, flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.Boolean(ValidateOnly).TaggedFields(flexible);
    }
}

/// <summary>One result per resource; ErrorMessage is null when there is no error.</summary>
public sealed record IncrementalAlterConfigsResponseData(
    IReadOnlyList<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> Responses,
    int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record AlterConfigsResourceResponse(ErrorCode ErrorCode, string? ErrorMessage, sbyte ResourceType, string ResourceName);

    public static IncrementalAlterConfigsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.IncrementalAlterConfigs, version);
        var throttle = r.Int32();
        var responses = r.Array((ref KafkaReader e) =>
        {
            var response = new AlterConfigsResourceResponse((ErrorCode)e.Int16(), e.NullableString(flexible), e.Int8(), e.String(flexible));
            e.TaggedFields(flexible);
            return response;
        }, flexible);
        r.TaggedFields(flexible);
        return new IncrementalAlterConfigsResponseData(responses, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.IncrementalAlterConfigs, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Responses, (e, response) => e
            .Int16((short)response.ErrorCode)
            .NullableString(response.ErrorMessage, flexible)
            .Int8(response.ResourceType)
            .String(response.ResourceName, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
