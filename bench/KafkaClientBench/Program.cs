using System.Diagnostics;
using Confluent.Kafka;

// kafka-client-bench produce|consume --bootstrap-server HOST:PORT --topic T --messages N [--size B] [--acks all|1|0]
//                    [--linger-ms MS] [-X librdkafka.property=value ...]
// -X passes a librdkafka property as kcat's -X does (security.protocol, sasl.mechanisms, ssl.ca.location, ...).
// Prints one line in the format of `akkakafka bench`, so bench/compare.sh can put both in one table.
var (mode, options, properties) = Parse(args);
if (mode is null) return Usage("missing mode: produce or consume");
var bootstrap = options.GetValueOrDefault("bootstrap-server", "127.0.0.1:9092");
var topic = options.GetValueOrDefault("topic", "kafka-bench");
if (!long.TryParse(options.GetValueOrDefault("messages", "1000000"), out var messages) || messages <= 0) return Usage("--messages must be a positive number");
if (!int.TryParse(options.GetValueOrDefault("size", "100"), out var size) || size <= 0) return Usage("--size must be a positive number");
var acks = options.GetValueOrDefault("acks", "all") switch { "all" or "-1" => Acks.All, "1" => Acks.Leader, "0" => Acks.None, var a => (Acks?)null };
if (acks is null) return Usage("--acks must be all, 1 or 0");
if (!double.TryParse(options.GetValueOrDefault("linger-ms", "5"), out var linger) || linger < 0) return Usage("--linger-ms must be 0 or more");

return mode switch
{
    "produce" => Produce(),
    "consume" => Consume(),
    _ => Usage($"unknown mode '{mode}': produce or consume"),
};

int Produce()
{
    var config = new ProducerConfig
    {
        BootstrapServers = bootstrap, Acks = acks, LingerMs = linger, EnableIdempotence = false,
        BatchSize = 1_000_000, QueueBufferingMaxKbytes = 1_048_576, QueueBufferingMaxMessages = 2_000_000,
        CompressionType = CompressionType.None, ClientId = "kafka-client-bench",
    };
    foreach (var (key, setting) in properties) config.Set(key, setting);
    using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
    var value = new byte[size];
    Random.Shared.NextBytes(value);
    var latencies = new double[messages];
    long acknowledged = 0, failed = 0;
    string? firstError = null;
    var clock = Stopwatch.StartNew();
    for (long i = 0; i < messages; i++)
    {
        var sentAt = Stopwatch.GetTimestamp();
        var index = i;
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = value }, report =>
                {
                    if (report.Error.IsError) { Interlocked.Increment(ref failed); firstError ??= report.Error.Reason; }
                    else latencies[index] = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
                    Interlocked.Increment(ref acknowledged);
                });
                break;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }
    producer.Flush(TimeSpan.FromMinutes(5));
    var elapsed = clock.Elapsed;
    if (acknowledged < messages) return Fail($"only {acknowledged:N0} of {messages:N0} records were answered within 5 minutes");
    Report("kafka-produce", messages - failed, elapsed, latencies.Where(l => l > 0).ToArray(), failed, firstError);
    return failed == 0 ? 0 : 1;
}

int Consume()
{
    var config = new ConsumerConfig
    {
        BootstrapServers = bootstrap, GroupId = $"kafka-client-bench-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false, FetchMaxBytes = 52_428_800, MaxPartitionFetchBytes = 4_194_304, ClientId = "kafka-client-bench",
    };
    foreach (var (key, setting) in properties) config.Set(key, setting);
    using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
    consumer.Subscribe(topic);
    long read = 0, bytes = 0;
    Stopwatch? clock = null;
    var deadline = Stopwatch.StartNew();
    while (read < messages)
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(5)) return Fail($"read only {read:N0} of {messages:N0} records within 5 minutes");
        var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
        if (result is null || result.IsPartitionEOF) continue;
        clock ??= Stopwatch.StartNew(); // from the first record: the group join is not the read rate
        read++;
        bytes += result.Message.Value?.Length ?? 0;
    }
    Report("kafka-consume", read, clock!.Elapsed, null, 0, null, bytes);
    consumer.Close();
    return 0;
}

void Report(string kind, long count, TimeSpan elapsed, double[]? latencies, long failed, string? error, long? bytes = null)
{
    var seconds = Math.Max(1e-9, elapsed.TotalSeconds);
    var line = $"{kind}: {count:N0} records in {seconds:N1} s, {count / seconds:N0} msgs/s ({(bytes ?? count * size) / 1024.0 / 1024.0 / seconds:N1} MB/s)";
    if (latencies is { Length: > 0 })
    {
        Array.Sort(latencies);
        double At(double q) => latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        line += $", latency p50 {At(0.50):N2} ms, p95 {At(0.95):N2} ms, p99 {At(0.99):N2} ms, max {latencies[^1]:N2} ms";
    }
    if (failed > 0) line += $", {failed:N0} FAILED ({error})";
    Console.WriteLine(line);
}

static int Fail(string message)
{
    Console.Error.WriteLine($"kafka-client-bench: {message}");
    return 1;
}

static int Usage(string message)
{
    Console.Error.WriteLine($"kafka-client-bench: {message}");
    Console.Error.WriteLine("usage: kafka-client-bench produce|consume --bootstrap-server HOST:PORT --topic T --messages N [--size B] [--acks all|1|0] [--linger-ms MS] [-X property=value ...]");
    return 2;
}

static (string? Mode, Dictionary<string, string> Options, List<(string Key, string Value)> Properties) Parse(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    var properties = new List<(string, string)>();
    string? mode = null;
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i] == "-X" && i + 1 < args.Length && args[i + 1].IndexOf('=') is > 0 and var eq)
        {
            properties.Add((args[i + 1][..eq], args[i + 1][(eq + 1)..]));
            i++;
        }
        else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) options[args[i][2..]] = args[++i];
        else mode ??= args[i];
    }
    return (mode, options, properties);
}
