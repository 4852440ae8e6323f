using System.Net.Http.Headers;
using System.Text;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol.Security;
using Microsoft.AspNetCore.Http;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// Who may write over HTTP when security is on (akkakafka.security.enabled): a user the controller keeps, named with
/// HTTP Basic (over HTTPS: the password crosses the wire only encrypted, as SASL/PLAIN over TLS) and checked against
/// the user's salted SCRAM credential (<see cref="ScramCredential.Verifies"/>: the broker never holds the password),
/// then authorized by the ACLs as the same request over Kafka would be. Reads stay open, as the metrics must.
/// </summary>
public sealed class HttpUsers(SecuritySettings settings, ISecurityMetadataSource security)
{
    public IReadOnlySet<string> SuperUsers => settings.SuperUsers;

    private const string Challenge = "Basic realm=\"akkakafka\", charset=\"UTF-8\"";

    /// <summary>Null when the request may go ahead; otherwise the 401 (no or wrong credentials) or 403 (not allowed) to answer.</summary>
    public IResult? Refusal(HttpRequest request, Func<SecurityMetadata, string, bool> allowed)
    {
        if (!settings.Enabled) return null;
        var current = security.Current;
        if (Authenticate(request, current) is not { } user)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = Challenge;
            return Results.Json(new TopicCommandView("", "SaslAuthenticationFailed", "a user is required: HTTP Basic with a user created by `akkakafka user create`"),
                statusCode: StatusCodes.Status401Unauthorized);
        }
        return allowed(current, user) ? null
            : Results.Json(new TopicCommandView("", "TopicAuthorizationFailed", $"user '{user}' is not allowed to do this (see `akkakafka acl list`)"),
                statusCode: StatusCodes.Status403Forbidden);
    }

    /// <summary>The user named by a Basic Authorization header whose password one of its credentials verifies; else null.</summary>
    public static string? Authenticate(HttpRequest request, SecurityMetadata security)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return null;
        var (name, password) = (decoded[..colon], decoded[(colon + 1)..]);
        return security.User(name) is { } user && user.Credentials.Any(c => c.Verifies(password)) ? name : null;
    }
}
