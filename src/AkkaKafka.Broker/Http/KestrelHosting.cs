using System.Net;
using System.Net.Sockets;
using Akka.Event;
using AkkaKafka.Broker.KafkaListener;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// How the broker hosts Kestrel, in one place for both of its ports (the Kafka listener and HTTP): the bind address
/// from --host, a slim WebApplication logging through Akka, start-up failures as one-line
/// <see cref="Hosting.BrokerStartupException"/>s, and the port actually bound (0 asks for a free one).
/// </summary>
public static class KestrelHosting
{
    /// <param name="what">What the port is for, for the error message ("listen for Kafka clients").</param>
    public static async Task<IPAddress> ResolveAsync(string host, int port, string what)
    {
        try
        {
            return IPAddress.TryParse(host, out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(host)).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new Hosting.BrokerStartupException($"cannot {what} on {host}:{port}: host does not resolve");
        }
    }

    public static WebApplicationBuilder CreateBuilder(ILoggingAdapter log)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new AkkaLoggerProvider(log));
        // Not the default ConsoleLifetime, which takes SIGINT/SIGTERM for itself (and, where .NET stops at the first
        // handler that cancels a signal, would take it from the program): the broker's coordinated shutdown stops
        // these hosts in its own order, and the akkakafka program is the one place that handles signals.
        builder.Services.AddSingleton<IHostLifetime, StoppedByTheBroker>();
        return builder;
    }

    private sealed class StoppedByTheBroker : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <returns>The port bound (the real one when 0 was asked for).</returns>
    public static async Task<int> StartAsync(WebApplication app, string host, int port, string what)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new Hosting.BrokerStartupException($"cannot {what} on {host}:{port}: {(e.InnerException ?? e).Message}");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var uri) ? uri.Port : port;
    }
}
