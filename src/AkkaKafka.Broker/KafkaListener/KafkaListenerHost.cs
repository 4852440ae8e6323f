using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using AkkaKafka.Broker.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// The broker's Kafka-protocol port, served by Kestrel: Kestrel owns sockets, buffers (System.IO.Pipelines) and
/// connection limits; <see cref="KafkaConnection"/> frames and answers. Hosting itself (bind address, logging,
/// start-up errors) is shared with the HTTP port (<see cref="KestrelHosting"/>); TLS is Kestrel's UseHttps on this listener.
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
    /// <param name="certificate">TLS on this listener (Kestrel's, with the certificate and its key); null: plaintext.</param>
    public static async Task<KafkaListenerHost> StartAsync(string host, int port, KafkaRequestDispatcher dispatcher, int maxRequestBytes, ILoggingAdapter log,
        X509Certificate2? certificate = null)
    {
        var address = await KestrelHosting.ResolveAsync(host, port, "listen for Kafka clients");
        var builder = KestrelHosting.CreateBuilder(log);
        // The socket transport stops reading once this much is buffered unread; a frame is only consumed whole, so the
        // buffer must hold the largest frame allowed (socket.request.max.bytes) or a large produce would stall forever.
        // The bound still holds: larger frames are refused from their size field, and the connection's bounded queue of
        // requests stops the reading when the broker falls behind.
        builder.WebHost.UseSockets(sockets => sockets.MaxReadBufferSize = maxRequestBytes + 64L * 1024);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBufferSize = maxRequestBytes + 64L * 1024;
            kestrel.Listen(address, port, listen =>
            {
                // Kestrel's TLS as connection middleware: the Kafka connection below reads and writes plaintext either way.
                if (certificate is not null) listen.UseHttps(certificate);
                listen.Run(connection => KafkaConnection.ServeAsync(connection, dispatcher, maxRequestBytes, log));
            });
        });
        var app = builder.Build();
        var boundPort = await KestrelHosting.StartAsync(app, host, port, "listen for Kafka clients");
        return new KafkaListenerHost(app, new IPEndPoint(address, boundPort));
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
