using System.Globalization;

namespace AkkaKafka.Broker;

/// <summary>What a broker tells the controller about itself through its Akka cluster roles.</summary>
/// <param name="KafkaEndpoint">The advertised "host:port" of its Kafka listener; null when it has none.</param>
/// <param name="BrokerId">The node id given with --broker-id; null when the controller is to choose one.</param>
public sealed record BrokerRoleInfo(string? KafkaEndpoint, int? BrokerId);

/// <summary>
/// Roles carry what the controller must know about a broker before it can publish its Kafka metadata (its Kafka
/// endpoint and an explicit node id), because the controller learns of brokers only through membership events and
/// a member's roles travel with it, from the moment it joins. Writing and reading them lives here, in one place.
/// </summary>
public static class BrokerRoles
{
    public const string KafkaEndpointPrefix = "kafka-endpoint:";
    public const string BrokerIdPrefix = "broker-id:";

    /// <summary>The roles that describe a broker, beside <see cref="AkkaKafka.Protocol.Names.BrokerRole"/>.</summary>
    public static IReadOnlyList<string> For(BrokerRoleInfo info)
    {
        var roles = new List<string>(2);
        if (info.KafkaEndpoint is { } endpoint) roles.Add(KafkaEndpointPrefix + endpoint);
        if (info.BrokerId is { } id) roles.Add(BrokerIdPrefix + id.ToString(CultureInfo.InvariantCulture));
        return roles;
    }

    /// <summary>True for the roles <see cref="For"/> writes (not for the broker role itself).</summary>
    public static bool IsKafkaRole(string role) =>
        role.StartsWith(KafkaEndpointPrefix, StringComparison.Ordinal) || role.StartsWith(BrokerIdPrefix, StringComparison.Ordinal);

    /// <summary>The "host:port" of a broker's HTTP endpoint (metrics, API, console), so every console can link to every broker.</summary>
    public const string HttpEndpointPrefix = "http-endpoint:";

    public static IReadOnlyList<string> ForHttp(string? httpEndpoint) => httpEndpoint is null ? [] : [HttpEndpointPrefix + httpEndpoint];

    public static bool IsHttpRole(string role) => role.StartsWith(HttpEndpointPrefix, StringComparison.Ordinal);

    /// <summary>A member's HTTP endpoint from its roles, or null when it serves no HTTP.</summary>
    public static string? HttpEndpointOf(IEnumerable<string> roles) =>
        roles.FirstOrDefault(r => IsHttpRole(r) && r.Length > HttpEndpointPrefix.Length)?[HttpEndpointPrefix.Length..];

    /// <summary>Reads a member's roles; unrelated or malformed roles are ignored (the broker then has no endpoint or id).</summary>
    public static BrokerRoleInfo Parse(IEnumerable<string> roles)
    {
        string? endpoint = null;
        int? brokerId = null;
        foreach (var role in roles)
        {
            if (role.StartsWith(KafkaEndpointPrefix, StringComparison.Ordinal) && role.Length > KafkaEndpointPrefix.Length)
                endpoint = role[KafkaEndpointPrefix.Length..];
            else if (role.StartsWith(BrokerIdPrefix, StringComparison.Ordinal)
                     && int.TryParse(role.AsSpan(BrokerIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                brokerId = id;
        }
        return new BrokerRoleInfo(endpoint, brokerId);
    }
}
