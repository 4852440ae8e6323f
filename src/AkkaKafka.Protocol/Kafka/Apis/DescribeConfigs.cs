namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// DescribeConfigs v0–3 (flexible from v4). ResourceType is Kafka's int8 (2 topic, 4 broker); ConfigurationKeys null
/// lists every key. Defaults of fields a version lacks: IncludeSynonyms false (v0), IncludeDocumentation false (v0–2).
/// </summary>
public sealed record DescribeConfigsRequestData(
    IReadOnlyList<DescribeConfigsRequestData.DescribeConfigsResource> Resources,
    bool IncludeSynonyms = false,
    bool IncludeDocumentation = false) : IKafkaRequest
{
    public const sbyte TopicResource = 2;
    public const sbyte BrokerResource = 4;

    public sealed record DescribeConfigsResource(sbyte ResourceType, string ResourceName, IReadOnlyList<string>? ConfigurationKeys);

    public ApiKey ApiKey => ApiKey.DescribeConfigs;

    public static DescribeConfigsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeConfigs, version);
        var resources = r.Array((ref KafkaReader e) =>
        {
            var type = e.Int8();
            var name = e.String(flexible);
            var keys = e.NullableArray((ref KafkaReader k) => k.String(flexible), flexible);
            e.TaggedFields(flexible);
            return new DescribeConfigsResource(type, name, keys);
        }, flexible);
        var synonyms = version >= 1 && r.Boolean();
        var documentation = version >= 3 && r.Boolean();
        r.TaggedFields(flexible);
        return new DescribeConfigsRequestData(resources, synonyms, documentation);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeConfigs, version);
        w.Array(Resources, (e, resource) => e
            .Int8(resource.ResourceType)
            .String(resource.ResourceName, flexible)
            .NullableArray(resource.ConfigurationKeys, (k, key) => k.String(key, flexible), flexible)
            .TaggedFields(flexible), flexible);
        if (version >= 1) w.Boolean(IncludeSynonyms);
        if (version >= 3) w.Boolean(IncludeDocumentation);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// Per resource, its configs. Defaults of fields a version lacks: IsDefault false (only v0 has it; later versions say
/// ConfigSource 5 = default instead), ConfigSource -1 and Synonyms empty (v0), ConfigType 0 = unknown and
/// Documentation null (v0–2).
/// </summary>
public sealed record DescribeConfigsResponseData(IReadOnlyList<DescribeConfigsResponseData.DescribeConfigsResult> Results, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record DescribeConfigsResult(
        ErrorCode ErrorCode,
        string? ErrorMessage,
        sbyte ResourceType,
        string ResourceName,
        IReadOnlyList<DescribeConfigsResourceResult> Configs);

    public sealed record DescribeConfigsResourceResult(
        string Name,
        string? Value,
        bool ReadOnly,
        bool IsSensitive,
        bool IsDefault = false,
        sbyte ConfigSource = -1,
        IReadOnlyList<DescribeConfigsSynonym>? Synonyms = null,
        sbyte ConfigType = 0,
        string? Documentation = null)
    {
        /// <summary>Never null: v0 has no synonyms, and a config without any has an empty list.</summary>
        public IReadOnlyList<DescribeConfigsSynonym> Synonyms { get; init; } = Synonyms ?? [];
    }

    public sealed record DescribeConfigsSynonym(string Name, string? Value, sbyte Source);

    public static DescribeConfigsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeConfigs, version);
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader e) =>
        {
            var error = (ErrorCode)e.Int16();
            var message = e.NullableString(flexible);
            var type = e.Int8();
            var name = e.String(flexible);
            var configs = e.Array((ref KafkaReader c) => ReadConfig(ref c, version, flexible), flexible);
            e.TaggedFields(flexible);
            return new DescribeConfigsResult(error, message, type, name, configs);
        }, flexible);
        r.TaggedFields(flexible);
        return new DescribeConfigsResponseData(results, throttle);
    }

    private static DescribeConfigsResourceResult ReadConfig(ref KafkaReader c, short version, bool flexible)
    {
        var name = c.String(flexible);
        var value = c.NullableString(flexible);
        var readOnly = c.Boolean();
        var isDefault = version == 0 && c.Boolean();
        var source = version >= 1 ? c.Int8() : (sbyte)-1;
        var sensitive = c.Boolean();
        IReadOnlyList<DescribeConfigsSynonym> synonyms = version >= 1
            ? c.Array((ref KafkaReader s) =>
            {
                var synonym = new DescribeConfigsSynonym(s.String(flexible), s.NullableString(flexible), s.Int8());
                s.TaggedFields(flexible);
                return synonym;
            }, flexible)
            : [];
        var configType = version >= 3 ? c.Int8() : (sbyte)0;
        var documentation = version >= 3 ? c.NullableString(flexible) : null;
        c.TaggedFields(flexible);
        return new DescribeConfigsResourceResult(name, value, readOnly, sensitive, isDefault, source, synonyms, configType, documentation);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeConfigs, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Results, (e, result) => e
            .Int16((short)result.ErrorCode)
            .NullableString(result.ErrorMessage, flexible)
            .Int8(result.ResourceType)
            .String(result.ResourceName, flexible)
            .Array(result.Configs, (c, config) =>
            {
                c.String(config.Name, flexible).NullableString(config.Value, flexible).Boolean(config.ReadOnly);
                if (version == 0) c.Boolean(config.IsDefault);
                if (version >= 1) c.Int8(config.ConfigSource);
                c.Boolean(config.IsSensitive);
                if (version >= 1)
                    c.Array(config.Synonyms, (s, synonym) => s
                        .String(synonym.Name, flexible)
                        .NullableString(synonym.Value, flexible)
                        .Int8(synonym.Source)
                        .TaggedFields(flexible), flexible);
                if (version >= 3) c.Int8(config.ConfigType).NullableString(config.Documentation, flexible);
                c.TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
