using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Akka.Event;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// The broker's HTTP port for operators: Prometheus /metrics, /health/live and /health/ready, the JSON API and the
/// web console (embedded HTML/JS/CSS, no external assets). Hosted by Kestrel as the Kafka listener is
/// (<see cref="KestrelHosting"/>), on its own port; read-only unless --http-admin.
/// </summary>
public sealed class BrokerHttpHost : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private BrokerHttpHost(WebApplication app, IPEndPoint endpoint, string scheme)
    {
        _app = app;
        Endpoint = endpoint;
        Scheme = scheme;
    }

    /// <summary>"https" with a certificate, else "http".</summary>
    public string Scheme { get; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <exception cref="Hosting.BrokerStartupException">The address cannot be bound (taken port, unknown host).</exception>
    /// <param name="users">Who may write when security is on; null: anyone (tests of the HTTP port alone).</param>
    public static async Task<BrokerHttpHost> StartAsync(HttpSettings settings, BrokerQueries queries, BrokerMetrics metrics, ILoggingAdapter log,
        HttpUsers? users = null)
    {
        var address = await KestrelHosting.ResolveAsync(settings.BindHost, settings.Port, "serve HTTP");
        X509Certificate2? certificate;
        try
        {
            certificate = settings.Tls.Enabled ? settings.Tls.LoadCertificate() : null;
        }
        catch (ArgumentException e)
        {
            throw new Hosting.BrokerStartupException($"cannot serve HTTPS on {settings.BindHost}:{settings.Port}: {e.Message}");
        }
        var builder = KestrelHosting.CreateBuilder(log);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Kestrel's own TLS (SslStream underneath): HTTPS with the certificate the operator gave, nothing of ours.
            if (certificate is not null) kestrel.Listen(address, settings.Port, listen => listen.UseHttps(certificate));
            else kestrel.Listen(address, settings.Port);
        });
        var app = builder.Build();
        Map(app, settings, queries, metrics, users);
        var port = await KestrelHosting.StartAsync(app, settings.BindHost, settings.Port, "serve HTTP");
        return new BrokerHttpHost(app, new IPEndPoint(address, port), certificate is null ? "http" : "https");
    }

    private static void Map(WebApplication app, HttpSettings settings, BrokerQueries queries, BrokerMetrics metrics, HttpUsers? users)
    {
        // A query the cluster does not answer in time (a busy coordinator, thousands of groups to describe) is the
        // cluster being unavailable, not a bug: 503 with a reason, instead of Kestrel's "unhandled exception" and a 500.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Akka.Actor.AskTimeoutException e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsJsonAsync(new HealthView("unavailable", $"the cluster did not answer in time: {e.Message}"), Json);
            }
        });

        app.MapMetrics("/metrics", metrics.Registry);

        app.MapGet("/health/live", () => Results.Json(new HealthView("live"), Json));
        app.MapGet("/health/ready", async () =>
        {
            var health = await queries.ReadinessAsync();
            return Results.Json(health, Json, statusCode: health.Status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/api/cluster", async () => Results.Json(await queries.ClusterAsync(), Json));
        app.MapGet("/api/topics", async () => Results.Json(await queries.TopicsAsync(), Json));
        app.MapGet("/api/partitions/local", () => Results.Json(metrics.LocalLogs(), Json));
        app.MapGet("/api/groups", async () => Results.Json(await queries.GroupsAsync(), Json));
        app.MapPost("/api/topics", async (HttpRequest request) =>
        {
            if (!settings.Admin) return Forbidden();
            // Who asks is checked before the body is read; which topic it may create, once the body names it.
            if (users?.Refusal(request, (_, _) => true) is { } unauthenticated) return unauthenticated;
            CreateTopicBody? body;
            try
            {
                body = await request.ReadFromJsonAsync<CreateTopicBody>(Json);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return Results.Json(new TopicCommandView("", ErrorCode.InvalidRequest.ToString(), "the body must be JSON: {\"name\": …, \"partitions\": …}"), Json, statusCode: 400);
            }
            if (body?.Name is not { Length: > 0 } name)
                return Results.Json(new TopicCommandView("", ErrorCode.InvalidRequest.ToString(), "a topic name is required"), Json, statusCode: 400);
            if (users?.Refusal(request, (security, user) => Authorizer.MayCreateTopic(security, users.SuperUsers, user, name)) is { } refused) return refused;
            var result = await queries.CreateTopicAsync(name, body.Partitions ?? 1, body.RetentionMs ?? CreateTopic.UseDefault, body.RetentionBytes ?? CreateTopic.UseDefault);
            return TopicResult(result, StatusCodes.Status201Created);
        });
        app.MapDelete("/api/topics/{name}", async (string name, HttpRequest request) =>
        {
            if (!settings.Admin) return Forbidden();
            if (users?.Refusal(request, (security, user) => Authorizer.IsAllowed(security, users.SuperUsers, user, AclResourceType.Topic, name, AclOperation.Delete)) is { } refused)
                return refused;
            return TopicResult(await queries.DeleteTopicAsync(name), StatusCodes.Status200OK);
        });

        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/console.js", () => Asset("console.js", "text/javascript; charset=utf-8"));
        app.MapGet("/console.css", () => Asset("console.css", "text/css; charset=utf-8"));
    }

    private static IResult Forbidden() =>
        Results.Json(new TopicCommandView("", "Forbidden", "this broker's HTTP is read-only; start it with --http-admin to create and delete topics"), Json, statusCode: 403);

    private static IResult TopicResult(TopicCommandResult result, int success)
    {
        var status = result.Error switch
        {
            ErrorCode.None => success,
            ErrorCode.TopicAlreadyExists => StatusCodes.Status409Conflict,
            ErrorCode.UnknownTopicOrPartition => StatusCodes.Status404NotFound,
            ErrorCode.RequestTimedOut or ErrorCode.LeaderNotAvailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        return Results.Json(new TopicCommandView(result.Topic, result.Error.ToString(), result.Message), Json, statusCode: status);
    }

    private static IResult Asset(string name, string contentType)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AkkaKafka.Broker.Http.Console." + name)
                     ?? throw new InvalidOperationException($"console asset {name} is not embedded");
        return Results.Stream(stream, contentType);
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
