using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Akka.Event;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Microsoft.AspNetCore.Connections;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// One client connection: a read loop that frames and decodes requests and hands each to the dispatcher, and a
/// write loop that sends the answers in request order (Kafka clients pipeline requests and match answers by
/// order as well as correlation id). Requests are served concurrently: the write loop only waits for the oldest.
/// Nothing here blocks a thread; a malformed frame closes this connection only, after the answers already due.
/// With SASL on, the read loop feeds each request to the connection's <see cref="SaslSession"/> first, in arrival
/// order: until it has authenticated the client, only ApiVersions and the SASL exchange get through.
/// </summary>
internal static class KafkaConnection
{
    /// <summary>
    /// Requests decoded but not yet answered, per connection. librdkafka pipelines up to max.in.flight (1,000,000 by
    /// default) requests; past this bound the read loop waits, which pushes back on the client through TCP.
    /// </summary>
    private const int MaxInFlight = 256;

    /// <param name="CloseAfter">The connection closes once this answer is written (a failed SASL exchange).</param>
    private sealed record Pending(RequestHeader Header, Task<IKafkaResponse?> Response, ReadOnlyMemory<byte>? Ready = null, bool CloseAfter = false);

    public static async Task ServeAsync(ConnectionContext connection, KafkaRequestDispatcher dispatcher, int maxRequestBytes, ILoggingAdapter log)
    {
        var remote = connection.RemoteEndPoint?.ToString() ?? connection.ConnectionId;
        var session = dispatcher.Security?.NewSession();
        using var counted = dispatcher.Metrics?.KafkaConnectionOpened();
        var pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxInFlight) { SingleReader = true, SingleWriter = true });
        // Not ConnectionClosed: Kestrel fires it on the client's FIN too, and a client that sends its requests and then
        // half-closes (shutdown SEND) is owed an answer to every one of them, in order, as Kafka gives. The read loop
        // ends on the input's own end (FIN: completed; reset: an exception), or when the write loop can no longer write.
        using var writerGone = new CancellationTokenSource();
        var writeLoop = WriteResponsesAsync(pending.Reader, connection.Transport.Output, remote, log, connection)
            .ContinueWith(_ => writerGone.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await ReadRequestsAsync(connection.Transport.Input, pending.Writer, dispatcher, session, maxRequestBytes, remote, log, writerGone.Token);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException or ConnectionAbortedException)
        {
            // The client went away mid-request; its unanswered requests are dropped with it.
        }
        finally
        {
            pending.Writer.TryComplete();
            await writeLoop;
        }
    }

    private static async Task ReadRequestsAsync(PipeReader input, ChannelWriter<Pending> pending, KafkaRequestDispatcher dispatcher, SaslSession? session, int maxRequestBytes,
        string remote, ILoggingAdapter log, CancellationToken writerGone)
    {
        while (true)
        {
            var result = await input.ReadAsync(writerGone);
            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    var outcome = KafkaFrames.TryRead(ref buffer, maxRequestBytes, out var frame, out var size);
                    if (outcome == KafkaFrames.Outcome.NeedMore) break;
                    if (outcome != KafkaFrames.Outcome.Frame)
                    {
                        log.Debug("Kafka listener: closing {0}: request of {1} bytes is {2} (socket.request.max.bytes {3})", remote, size,
                            outcome == KafkaFrames.Outcome.TooLarge ? "too large" : "too small to be a request", maxRequestBytes);
                        return;
                    }
                    var next = Decode(frame, dispatcher, session, remote, log);
                    if (next is null) return;
                    await pending.WriteAsync(next, writerGone);
                    if (next.CloseAfter) return; // nothing after a failed authentication is read
                }
                if (result.IsCompleted)
                {
                    if (buffer.Length > 0) log.Debug("Kafka listener: {0} closed the connection in the middle of a request ({1} bytes unread)", remote, buffer.Length);
                    return;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>Decodes one frame and starts serving it; null when the frame is malformed and the connection must close.</summary>
    private static Pending? Decode(byte[] frame, KafkaRequestDispatcher dispatcher, SaslSession? session, string remote, ILoggingAdapter log)
    {
        var reader = new KafkaReader(frame);
        var outcome = KafkaRequestDecoder.ReadHeader(ref reader, out var header, out var problem);
        if (outcome != KafkaRequestDecoder.Outcome.Read)
        {
            LogUnreadable(log, remote, outcome, problem);
            return null;
        }

        if (session is { IsAuthenticated: false } && header.ApiKey is not (ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate))
        {
            // Kafka's rule: before authentication nothing but the SASL exchange is read, not even to refuse it.
            log.Info("Kafka listener: closing {0}: API {1} v{2} before SASL authentication", remote, (short)header.ApiKey, header.ApiVersion);
            return null;
        }

        if (!KafkaRequestDecoder.IsSupported(header))
        {
            log.Debug("Kafka listener: {0} asked for API {1} version {2}, which this broker does not support", remote, (short)header.ApiKey, header.ApiVersion);
            return new Pending(header, Task.FromResult<IKafkaResponse?>(null), KafkaFrames.UnsupportedVersion(header));
        }

        outcome = KafkaRequestDecoder.ReadBody(header, ref reader, out var request, out problem);
        if (outcome != KafkaRequestDecoder.Outcome.Read)
        {
            LogUnreadable(log, remote, outcome, problem);
            return null;
        }
        if (session is null)
        {
            if (SaslSession.WithoutSasl(request) is { } refused) return new Pending(header, Task.FromResult<IKafkaResponse?>(refused));
        }
        else
        {
            var verdict = session.Handle(request);
            if (request is SaslAuthenticateRequestData && dispatcher.Security?.FailedLogins is { } logins)
            {
                if (verdict.Response is SaslAuthenticateResponseData { ErrorCode: ErrorCode.SaslAuthenticationFailed } failed)
                    return new Pending(header, SlowedDown(logins, session.ClaimedUser ?? "", remote, failed, log), CloseAfter: true);
                if (session.IsAuthenticated) logins.Succeeded(session.User!, HostOf(remote));
            }
            if (verdict.Response is { } answer)
            {
                if (verdict.Close)
                    log.Info("Kafka listener: closing {0}: {1}", remote, answer switch
                    {
                        SaslAuthenticateResponseData a => $"{a.ErrorCode}: {a.ErrorMessage}",
                        SaslHandshakeResponseData h => $"{h.ErrorCode} (SASL handshake)",
                        _ => answer.GetType().Name,
                    });
                return new Pending(header, Task.FromResult<IKafkaResponse?>(answer), CloseAfter: verdict.Close);
            }
            if (verdict.Close)
            {
                log.Info("Kafka listener: closing {0}: {1} v{2} before SASL authentication", remote, header.ApiKey, header.ApiVersion);
                return null;
            }
        }
        return new Pending(header, dispatcher.HandleAsync(new KafkaRequestContext(header, remote, session?.User ?? Protocol.Security.Authorizer.Anonymous), request));
    }

    /// <summary>
    /// An unreadable request closes its connection, with a line: Debug for a client's malformed bytes, Warning for a
    /// decoder that failed (a bug), instead of the exception escaping to Kestrel with no word of what was sent.
    /// </summary>
    private static void LogUnreadable(ILoggingAdapter log, string remote, KafkaRequestDecoder.Outcome outcome, string problem)
    {
        if (outcome == KafkaRequestDecoder.Outcome.DecoderFailed) log.Warning("Kafka listener: closing {0}: {1}", remote, problem);
        else log.Debug("Kafka listener: closing {0}: {1}", remote, problem);
    }

    /// <summary>
    /// A failed SASL authentication, answered after the delay the failed-login count asks for (the write loop waits on
    /// the task; no thread does), with the burst's one warning line.
    /// </summary>
    private static Task<IKafkaResponse?> SlowedDown(FailedLogins logins, string user, string remote, SaslAuthenticateResponseData failed, ILoggingAdapter log)
    {
        log.Info("Kafka listener: closing {0}: {1}: {2}", remote, failed.ErrorCode, failed.ErrorMessage);
        var (delay, warning) = logins.Failed(user, HostOf(remote), DateTime.UtcNow);
        if (warning is not null) log.Warning("Kafka listener: {0}", warning);
        if (delay <= TimeSpan.Zero) return Task.FromResult<IKafkaResponse?>(failed);
        return Task.Delay(delay).ContinueWith(_ => (IKafkaResponse?)failed, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>The address of "host:port" (IPv6 in brackets), what failed logins are counted by.</summary>
    private static string HostOf(string remote) =>
        remote.LastIndexOf(':') is var colon and > 0 && !remote.EndsWith(']') ? remote[..colon].Trim('[', ']') : remote;

    private static async Task WriteResponsesAsync(ChannelReader<Pending> pending, PipeWriter output, string remote, ILoggingAdapter log, ConnectionContext connection)
    {
        try
        {
            await foreach (var next in pending.ReadAllAsync())
            {
                ReadOnlyMemory<byte>? frame = next.Ready;
                if (frame is null)
                {
                    IKafkaResponse? body;
                    try
                    {
                        body = await next.Response;
                    }
                    catch (BrokerNotReadyException e)
                    {
                        log.Info("Kafka listener: {0} from {1} not answered, closing the connection: {2}", next.Header.ApiKey, remote, e.Message);
                        connection.Abort();
                        return;
                    }
                    catch (Exception e)
                    {
                        // Handlers turn every expected failure into an error code; anything else is a bug worth a line, and this
                        // connection cannot answer in order any more, so it closes (the client reconnects and retries).
                        log.Warning("Kafka listener: {0} v{1} from {2} failed, closing the connection: {3}", next.Header.ApiKey, next.Header.ApiVersion, remote, e.Message);
                        connection.Abort();
                        return;
                    }
                    if (body is null) continue; // acks=0 produce: Kafka sends no answer at all
                    frame = KafkaFrames.Response(next.Header, body);
                }
                output.Write(frame.Value.Span);
                // Answers that are already complete go out in one flush; otherwise flush now rather than wait for a slow one.
                if (!pending.TryPeek(out var following) || !following.Response.IsCompleted)
                {
                    var flushed = await output.FlushAsync();
                    if (flushed.IsCompleted || flushed.IsCanceled) return;
                }
            }
            await output.FlushAsync();
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException or ConnectionAbortedException or InvalidOperationException)
        {
            // The client is gone.
        }
    }
}
