using System.Net;
using System.Net.Sockets;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// The broker's Kafka-protocol port, served by Kestrel: Kestrel owns sockets, buffers (System.IO.Pipelines) and
/// connection limits; <see cref="KafkaConnection"/> frames and answers. The same host can serve HTTP on another
/// port later, and TLS is Kestrel's UseHttps on this listener.
/// </summary>
public sealed class KafkaListenerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KafkaListenerHost(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>Where it listens (the real port when 0 was asked for, which tests use).</summary>
    public IPEndPoint Endpoint { get; }

    /// <exception cref="Hosting.BrokerStartupException">The address cannot be bound (taken port, unknown host).</exception>
    public static async Task<KafkaListenerHost> StartAsync(string host, int port, KafkaRequestDispatcher dispatcher, int maxRequestBytes, ILoggingAdapter log)
    {
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(host)).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new Hosting.BrokerStartupException($"cannot listen for Kafka clients on {host}:{port}: host does not resolve");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new AkkaLoggerProvider(log));
        // The socket transport stops reading once this much is buffered unread; a frame is only consumed whole, so the
        // buffer must hold the largest frame allowed (socket.request.max.bytes) or a large produce would stall forever.
        // The bound still holds: larger frames are refused from their size field, and the connection's bounded queue of
        // requests stops the reading when the broker falls behind.
        builder.WebHost.UseSockets(sockets => sockets.MaxReadBufferSize = maxRequestBytes + 64L * 1024);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBufferSize = maxRequestBytes + 64L * 1024;
            kestrel.Listen(address, port, listen => listen.Run(connection => KafkaConnection.ServeAsync(connection, dispatcher, maxRequestBytes, log)));
        });
        var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new Hosting.BrokerStartupException($"cannot listen for Kafka clients on {host}:{port}: {(e.InnerException ?? e).Message}");
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var boundPort = bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var uri) ? uri.Port : port;
        return new KafkaListenerHost(app, new IPEndPoint(address, boundPort));
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
