using System.Buffers.Binary;
using System.Text;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Seeded generator of Kafka request frames a broker must survive: valid requests of every API and version the
/// listener supports (written with the codec's own writers), and mutations of them: flipped bytes, cut or extended
/// bodies, lying sizes, nasty lengths and counts, oversized varints and tagged fields, compact/classic confusion,
/// unknown keys and versions, and Produce requests carrying broken record batches (with a recomputed CRC half the
/// time, so the broken records get past the CRC check and into the record parser). Same seed, same frames.
/// </summary>
public sealed class KafkaFrameFuzzer(Random random, string topic, int maxRequestBytes)
{
    public const string Group = "fuzz-group";
    public const string Member = "fuzz-member";
    private const string ClientId = "fuzz";

    /// <summary>What a frame is, which says what the broker may do with it.</summary>
    public enum Kind
    {
        /// <summary>A well-formed request: answered (or, acks=0, silently taken).</summary>
        Valid,
        /// <summary>Well-formed framing, unknown API or version, or garbage records in a good Produce: answered with an error.</summary>
        Refusable,
        /// <summary>Mutated: answered, refused or the connection closed, the broker's call.</summary>
        Mutated,
        /// <summary>The size prefix lies or exceeds the limit: whatever follows it on the connection is lost.</summary>
        EndsStream,
    }

    /// <param name="Closes">The listener must close the connection on this frame (the codec cannot read it).</param>
    /// <param name="AnsweredAs">The correlation id the broker's answer to this frame carries; null when none is owed
    /// (the connection closes on it, or it is an acks=0 produce).</param>
    /// <param name="Unanswered">An acks=0 produce: no answer, and a broker may close the connection on one it refuses
    /// (Kafka does, as the only way to tell the client), so the answers owed after it may not come.</param>
    public readonly record struct Fuzzed(byte[] Bytes, Kind Kind, string What, bool Closes = false, int? AnsweredAs = null, bool Unanswered = false);

    /// <summary>
    /// What the listener's decoding makes of a frame, worked out in-process with the same codec: null when it reads
    /// (a request to answer, or an unknown API or version to refuse), else why it cannot. A decoder that throws
    /// anything but <see cref="KafkaProtocolException"/> is a bug: that exception is rethrown for the spec to report.
    /// </summary>
    public static string? Unreadable(byte[] frame, int maxRequestBytes) => Read(frame, maxRequestBytes, out _, out _);

    /// <summary>As <see cref="Unreadable"/>, and for a readable frame the correlation id of the answer owed, if any.</summary>
    private static string? Read(byte[] frame, int maxRequestBytes, out int? answeredAs, out bool unanswered)
    {
        answeredAs = null;
        unanswered = false;
        if (frame.Length < 4) return "no size";
        var size = BinaryPrimitives.ReadInt32BigEndian(frame);
        if (size > maxRequestBytes || size < KafkaFrames.MinRequestSize || size != frame.Length - 4) return $"size {size}";
        try
        {
            var reader = new KafkaReader(frame.AsMemory(4));
            var header = RequestHeader.Read(ref reader);
            if (KafkaApis.Find(header.ApiKey) is not { } support || !support.IsAdvertised(header.ApiVersion))
            {
                answeredAs = header.CorrelationId; // refused with UNSUPPORTED_VERSION
                return null;
            }
            var request = KafkaRequests.Read(header.ApiKey, header.ApiVersion, ref reader);
            // acks=0 goes unanswered, except below Produce v3, which the listener refuses with UNSUPPORTED_VERSION.
            unanswered = request is ProduceRequestData { Acks: 0 } && header.ApiVersion >= 3;
            answeredAs = unanswered ? null : header.CorrelationId;
            return null;
        }
        catch (KafkaProtocolException e)
        {
            return e.Message;
        }
    }

    /// <summary>The next frame, with whether the listener must close the connection on it.</summary>
    public Fuzzed NextClassified()
    {
        var next = Next();
        var unreadable = Read(next.Bytes, maxRequestBytes, out var answeredAs, out var unanswered);
        var closes = next.Kind == Kind.EndsStream || unreadable is not null;
        if (next.Kind == Kind.EndsStream && BinaryPrimitives.ReadInt32BigEndian(next.Bytes) is var size
            && size >= KafkaFrames.MinRequestSize && size < next.Bytes.Length - 4)
        {
            // A size short of the frame's end: the listener reads that much as a request, and in the rare case it
            // reads, answers it (the bytes left over are a frame the client never finishes).
            return Read(next.Bytes[..(4 + size)], maxRequestBytes, out answeredAs, out unanswered) is null
                ? next with { Closes = true, AnsweredAs = answeredAs, Unanswered = unanswered }
                : next with { Closes = true };
        }
        return next with { Closes = closes, AnsweredAs = closes ? null : answeredAs, Unanswered = !closes && unanswered };
    }

    private int _correlationId;

    /// <summary>Offsets in a v2 record batch, as Kafka's DefaultRecordBatch lays it out (the codec keeps its own internal).</summary>
    private static class Layout
    {
        public const int LengthOffset = 8;
        public const int MagicOffset = 16;
        public const int CrcOffset = 17;
        public const int AttributesOffset = 21;
        public const int RecordCountOffset = 57;
        public const int RecordsOffset = 61;
        public const int LogOverhead = 12;
    }

    private static readonly short[] NastyShorts = [-2, -1, 0, 1, short.MaxValue, short.MinValue, 0x7F, 0xFF, 0x100];
    private static readonly int[] NastyInts = [-2, -1, 0, 1, int.MaxValue, int.MinValue, 0x7FFF, 0x10000, 0x7FFFFFFE, 1 << 24, -100_000];

    /// <summary>Varints a flexible reader must refuse or bound: 2^32-1, 2^31, more than 5 bytes, and a cut-off one.</summary>
    private static readonly byte[][] NastyVarints =
    [
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        [0x80, 0x80, 0x80, 0x80, 0x08],
        [0x81, 0x80, 0x80, 0x80, 0x08],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0x80],
        [0xFF, 0xFF, 0xFF, 0x7F],
    ];

    public Fuzzed Next()
    {
        var roll = random.Next(100);
        if (roll < 20) return Valid();
        if (roll < 28) return new(UnknownApiOrVersion(out var what), Kind.Refusable, what);
        if (roll < 40) return BadBatchProduce();
        if (roll < 42) return SizeLie();
        if (roll < 47) return new(RandomFrame(), Kind.Mutated, "random bytes");
        return Mutate();
    }

    private Fuzzed Valid()
    {
        var (key, version, body) = Template();
        return new(Frame(key, version, version, body), Kind.Valid, $"{key} v{version}");
    }

    /// <summary>An API and version the listener advertises, and a request of it aimed at the fuzzed topic or group.</summary>
    private (ApiKey Key, short Version, IKafkaRequest Body) Template()
    {
        var support = KafkaApis.Supported[random.Next(KafkaApis.Supported.Count)];
        var version = (short)random.Next(ApiSupport.MinVersion, support.MaxVersion + 1);
        return (support.Key, version, Body(support.Key, version));
    }

    private IKafkaRequest Body(ApiKey key, short version) => key switch
    {
        ApiKey.ApiVersions => new ApiVersionsRequestData(ClientId, "1.0"),
        ApiKey.Metadata => new MetadataRequestData(random.Next(4) == 0 ? null : [new(topic)], AllowAutoTopicCreation: false),
        ApiKey.Produce => new ProduceRequestData((short)(random.Next(4) == 0 ? 0 : 1), 5_000, [new(topic, [new(0, Batch())])]),
        ApiKey.Fetch => new FetchRequestData(-1, random.Next(0, 20), 1, [new(topic, [new(0, random.Next(0, 50), 64 * 1024)])], MaxBytes: 256 * 1024),
        ApiKey.ListOffsets => new ListOffsetsRequestData(-1, [new(topic, [new(0, random.Next(2) == 0 ? -1 : -2)])]),
        // Admin requests validate only (CreateTopics v0 has no such flag, so v0 names a topic that exists): the fuzzer
        // must not fill the cluster with topics of its own.
        ApiKey.CreateTopics => new CreateTopicsRequestData([new(version == 0 ? topic : "fuzz-created", 1, 1, [], [])], 1_000, ValidateOnly: true),
        ApiKey.DeleteTopics => new DeleteTopicsRequestData(["fuzz-absent"], 1_000),
        ApiKey.CreatePartitions => new CreatePartitionsRequestData([new("fuzz-absent", 2)], 1_000, ValidateOnly: true),
        ApiKey.DescribeConfigs => new DescribeConfigsRequestData([random.Next(2) == 0 ? new(2, topic, null) : new(4, "1", ["num.partitions"])], true, true),
        ApiKey.IncrementalAlterConfigs => new IncrementalAlterConfigsRequestData([new(2, topic, [new("retention.ms", 0, "604800000")])], ValidateOnly: true),
        ApiKey.FindCoordinator => new FindCoordinatorRequestData(Group),
        // A member id the coordinator does not know: answered at once, and no member joins (a join would hold the
        // answer for a rebalance and leave members behind).
        ApiKey.JoinGroup => new JoinGroupRequestData(Group, 10_000, Member, "consumer", [new("range", RandomBytes(random.Next(0, 32)))], 10_000),
        ApiKey.SyncGroup => new SyncGroupRequestData(Group, 1, Member, [new(Member, RandomBytes(random.Next(0, 32)))]),
        ApiKey.Heartbeat => new HeartbeatRequestData(Group, 1, Member),
        ApiKey.LeaveGroup => version < 3 ? LeaveGroupRequestData.Single(Group, Member) : LeaveGroupRequestData.Batch(Group, [new(Member)]),
        ApiKey.OffsetCommit => new OffsetCommitRequestData(Group, [new(topic, [new(0, random.Next(0, 100), "fuzz")])], 1, Member),
        ApiKey.OffsetFetch => new OffsetFetchRequestData(Group, [new(topic, [0])]),
        ApiKey.ListGroups => new ListGroupsRequestData(),
        ApiKey.DescribeGroups => new DescribeGroupsRequestData([Group]),
        ApiKey.DeleteGroups => new DeleteGroupsRequestData(["fuzz-absent-group"]),
        // Mostly plain idempotent producers (each takes an id from the controller's persisted blocks), sometimes a
        // transactional id, which is refused.
        ApiKey.InitProducerId => new InitProducerIdRequestData(random.Next(4) == 0 ? "fuzz-transactions" : null, 60_000),
        // On a listener without SASL both are answered ILLEGAL_SASL_STATE; with SASL, out of order, the same and a close.
        ApiKey.SaslHandshake => new SaslHandshakeRequestData(random.Next(3) switch { 0 => "PLAIN", 1 => "SCRAM-SHA-256", _ => "GSSAPI" }),
        ApiKey.SaslAuthenticate => new SaslAuthenticateRequestData(random.Next(2) == 0 ? "n,,n=fuzz,r=fuzznonce"u8.ToArray() : RandomBytes(random.Next(0, 64))),
        // Users and ACLs: reads, and changes that change nothing (a DENY rule is refused, nobody is "fuzz-absent").
        ApiKey.DescribeAcls => new DescribeAclsRequestData(new(KafkaAclCodes.Any, null, KafkaAclCodes.Any, null, null, KafkaAclCodes.Any, KafkaAclCodes.Any)),
        ApiKey.CreateAcls => new CreateAclsRequestData([new(KafkaAclCodes.TopicResource, topic, KafkaAclCodes.LiteralPattern, "User:fuzz-absent", "*",
            KafkaAclCodes.ReadOperation, KafkaAclCodes.Deny)]),
        ApiKey.DeleteAcls => new DeleteAclsRequestData([new(KafkaAclCodes.Any, null, KafkaAclCodes.Any, "User:fuzz-absent", null, KafkaAclCodes.Any, KafkaAclCodes.Any)]),
        ApiKey.DescribeUserScramCredentials => new DescribeUserScramCredentialsRequestData(random.Next(2) == 0 ? null : ["fuzz-absent"]),
        ApiKey.AlterUserScramCredentials => new AlterUserScramCredentialsRequestData([new("fuzz-absent", KafkaScramMechanisms.ScramSha256)], []),
        // Sometimes KRaft's controllers, which a broker answers MISMATCHED_ENDPOINT_TYPE.
        ApiKey.DescribeCluster => new DescribeClusterRequestData(random.Next(2) == 0, version >= 1 && random.Next(4) == 0 ? DescribeClusterRequestData.Controllers : DescribeClusterRequestData.Brokers),
        // Transactions: markers for a topic that does not exist (the fuzzer must not end transactions of its own), and
        // the producers of its topic.
        ApiKey.WriteTxnMarkers => new WriteTxnMarkersRequestData([new(random.Next(0, 1000), 0, random.Next(2) == 0, [new("fuzz-absent", [0])], 0)]),
        ApiKey.DescribeProducers => new DescribeProducersRequestData([new(topic, [0])]),
        // The producer's transaction requests with a producer id the coordinator never handed out (answered
        // INVALID_PRODUCER_ID_MAPPING, nothing added or ended), in the client's form and the brokers' batched one.
        ApiKey.AddPartitionsToTxn => version >= AddPartitionsToTxnRequestData.FirstBatchedVersion
            ? new AddPartitionsToTxnRequestData([new("fuzz-transactions", UnknownProducerId(), 0, VerifyOnly: false, [new(topic, [0])])])
            : AddPartitionsToTxnRequestData.ForClient("fuzz-transactions", UnknownProducerId(), 0, [new(topic, [0])]),
        ApiKey.AddOffsetsToTxn => new AddOffsetsToTxnRequestData("fuzz-transactions", UnknownProducerId(), 0, Group),
        ApiKey.EndTxn => new EndTxnRequestData("fuzz-transactions", UnknownProducerId(), 0, random.Next(2) == 0),
        _ => throw new InvalidOperationException($"no fuzz template for {key}: KafkaApis lists an API this fuzzer does not know"),
    };

    /// <summary>Far above any producer id the controller hands out in a spec.</summary>
    private long UnknownProducerId() => random.NextInt64(1L << 40, 1L << 41);

    private byte[] UnknownApiOrVersion(out string what)
    {
        var (key, version, body) = Template();
        switch (random.Next(3))
        {
            case 0:
                var unknown = (ApiKey)(random.Next(2) == 0 ? random.Next(70, short.MaxValue) : random.Next(short.MinValue, 0));
                what = $"unknown API {(short)unknown}";
                return Frame(unknown, 0, 0, null);
            default:
                var bad = random.Next(2) == 0 ? (short)random.Next(KafkaApis.Find(key)!.MaxVersion + 1, short.MaxValue) : (short)random.Next(short.MinValue, 0);
                what = $"{key} at version {bad}";
                // The body as the nearest real version writes it: a broker must refuse on the version, not read the body.
                return Frame(key, bad, version, body);
        }
    }

    /// <summary>A good Produce frame around a record batch that is not.</summary>
    private Fuzzed BadBatchProduce()
    {
        var batch = Batch();
        var what = MutateBatch(batch, out var mutated);
        var version = (short)random.Next(3, 8);
        var body = new ProduceRequestData((short)(random.Next(2) == 0 ? -1 : 1), 5_000, [new(topic, [new(0, mutated)])]);
        return new(Frame(ApiKey.Produce, version, version, body), Kind.Refusable, $"Produce v{version} with {what}");
    }

    private string MutateBatch(byte[] batch, out byte[] mutated)
    {
        string what;
        (mutated, what) = random.Next(9) switch
        {
            0 => (batch[..random.Next(0, batch.Length)], "a truncated batch"),
            1 => ([.. batch, .. RandomBytes(random.Next(1, 40))], "trailing bytes after the batch"),
            2 => (FlipBytes(batch, 0, random.Next(1, 4)), "flipped batch bytes"),
            3 => (WriteInt32(batch, Layout.LengthOffset, Pick(NastyInts)), "a lying batch length"),
            4 => (WriteInt32(batch, Layout.RecordCountOffset, Pick(NastyInts)), "a lying record count"),
            5 => (WriteByte(batch, Layout.MagicOffset, (byte)random.Next(0, 256)), "a wrong magic byte"),
            // Compression bits over uncompressed records, or an unknown codec: the inflaters get bytes they never made.
            6 => (WriteByte(batch, Layout.AttributesOffset + 1, (byte)((batch[Layout.AttributesOffset + 1] & ~0x07) | random.Next(1, 8))), "compression bits over raw records"),
            7 => (FlipBytes(batch, Layout.RecordsOffset, random.Next(1, 6)), "broken record varints"),
            _ => (CompressedGarbage(batch), "random bytes as a compressed section"),
        };
        // Half the time the CRC is made right again, so the damage reaches the record parser and the inflaters.
        if (mutated.Length >= RecordBatch.HeaderSize && random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(mutated.AsSpan(Layout.CrcOffset), Crc32C.Compute(mutated.AsSpan(Layout.AttributesOffset)));
            what += " (CRC recomputed)";
        }
        return what;
    }

    private byte[] CompressedGarbage(byte[] batch)
    {
        var section = RandomBytes(random.Next(0, 200));
        var bytes = new byte[Layout.RecordsOffset + section.Length];
        batch.AsSpan(0, Layout.RecordsOffset).CopyTo(bytes);
        section.CopyTo(bytes, Layout.RecordsOffset);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(Layout.LengthOffset), bytes.Length - Layout.LogOverhead);
        bytes[Layout.AttributesOffset + 1] = (byte)((bytes[Layout.AttributesOffset + 1] & ~0x07) | random.Next(1, 5));
        return bytes;
    }

    /// <summary>A frame whose size prefix is not what follows: too short, too long, negative, over the limit.</summary>
    private Fuzzed SizeLie()
    {
        var (key, version, body) = Template();
        var frame = Frame(key, version, version, body);
        var (size, what) = random.Next(6) switch
        {
            0 => (random.Next(int.MinValue, 0), "a negative size"),
            1 => (random.Next(0, KafkaFrames.MinRequestSize), "a size below the smallest request"),
            2 => (maxRequestBytes + 1 + random.Next(0, 1000), "a size over socket.request.max.bytes"),
            3 => (int.MaxValue, "size int.MaxValue"),
            4 => (frame.Length - 4 + random.Next(1, 100), "a size past the frame's end"),
            _ => (Math.Max(KafkaFrames.MinRequestSize, frame.Length - 4 - random.Next(1, 20)), "a size short of the frame's end"),
        };
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        return new(frame, Kind.EndsStream, $"{key} v{version} with {what}");
    }

    private Fuzzed Mutate()
    {
        var (key, version, body) = Template();
        var frame = Frame(key, version, version, body);
        var flexible = KafkaApis.IsFlexible(key, version);
        string what;
        switch (random.Next(flexible ? 9 : 8))
        {
            case 0:
                var flips = random.Next(1, 6);
                FlipBytes(frame, 4, flips);
                what = $"{flips} flipped bytes";
                break;
            case 1:
                frame = frame[..random.Next(4 + KafkaFrames.MinRequestSize, frame.Length)];
                what = "a truncated body";
                break;
            case 2:
                frame = [.. frame, .. RandomBytes(random.Next(1, random.Next(2) == 0 ? 16 : 5_000))];
                what = "trailing bytes";
                break;
            case 3:
            {
                // Every Kafka field is an integer or starts with one: a nasty int16/int32 at a random place hits
                // string lengths, array counts, partitions, timeouts and acks alike.
                var at = random.Next(4, frame.Length - 1);
                if (random.Next(2) == 0 || frame.Length - at < 4) BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(at), Pick(NastyShorts));
                else BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(at), Pick(NastyInts));
                what = $"a nasty integer at byte {at}";
                break;
            }
            case 4:
                what = CorruptStringLength(frame);
                break;
            case 5:
            {
                // Compact vs classic: the header says one version, the body is written as another (flexible or not).
                var support = KafkaApis.Find(key)!;
                var other = support.IsFlexible(version) ? (short)random.Next(0, support.FirstFlexible) : support.FirstFlexible;
                frame = random.Next(2) == 0 ? Frame(key, version, other, body) : Frame(key, other, version, body);
                what = $"header and body of different versions ({version}/{other})";
                break;
            }
            case 6:
                frame = Frame(key, version, version, body, header: (w, v) => w.Int16((short)key).Int16(v).Int32(NextCorrelationId()).NullableString(RandomString()));
                what = "a client id of random bytes";
                break;
            case 7:
            {
                // A split inside a frame: its first part, then the start of a new request taken as its rest.
                var cut = random.Next(5, frame.Length);
                var next = Frame(key, version, version, body);
                frame = [.. frame[..cut], .. next[4..]];
                BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
                what = "two requests spliced into one";
                break;
            }
            default:
            {
                // Flexible versions only: a varint where one is read (compact lengths, tagged fields) that overflows.
                var varint = Pick(NastyVarints);
                if (random.Next(2) == 0)
                {
                    // The request's final tagged-field count, or one tagged field whose size is the nasty varint.
                    frame = random.Next(2) == 0 ? [.. frame[..^1], .. varint] : [.. frame[..^1], 1, 0, .. varint];
                    what = "a nasty tagged-field varint";
                }
                else
                {
                    var at = random.Next(4 + KafkaFrames.MinRequestSize, frame.Length);
                    frame = [.. frame[..at], .. varint, .. frame[at..]];
                    what = $"a nasty varint inserted at byte {at}";
                }
                break;
            }
        }
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        return new(frame, Kind.Mutated, $"{key} v{version} with {what}");
    }

    /// <summary>The int16 length in front of a known string (the topic, group or client id) made a lie.</summary>
    private string CorruptStringLength(byte[] frame)
    {
        var names = new[] { topic, Group, Member, ClientId }.Select(Encoding.UTF8.GetBytes).ToList();
        var starts = names.SelectMany(n => IndexesOf(frame, n)).Where(i => i >= 6).ToList();
        if (starts.Count == 0)
        {
            FlipBytes(frame, 4, 1);
            return "a flipped byte (no string to corrupt)";
        }
        var at = starts[random.Next(starts.Count)];
        var length = Pick(NastyShorts);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(at - 2), length);
        return $"string length {length} at byte {at - 2}";
    }

    private static IEnumerable<int> IndexesOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) yield return i;
    }

    /// <summary>Random size (sometimes a lie), random bytes, sometimes behind a real API key and version.</summary>
    private byte[] RandomFrame()
    {
        var body = RandomBytes(random.Next(0, random.Next(4) == 0 ? 8192 : 64));
        if (body.Length >= 4 && random.Next(2) == 0)
        {
            var support = KafkaApis.Supported[random.Next(KafkaApis.Supported.Count)];
            BinaryPrimitives.WriteInt16BigEndian(body, (short)support.Key);
            BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(2), (short)random.Next(0, support.MaxVersion + 1));
        }
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>A request frame whose header says <paramref name="headerVersion"/> and whose body is written as <paramref name="bodyVersion"/>.</summary>
    private byte[] Frame(ApiKey key, short headerVersion, short bodyVersion, IKafkaRequest? body, Action<KafkaWriter, short>? header = null)
    {
        var writer = new KafkaWriter();
        writer.Int32(0);
        if (header is not null) header(writer, headerVersion);
        else new RequestHeader(key, headerVersion, NextCorrelationId(), ClientId).Write(writer);
        body?.Write(writer, bodyVersion);
        writer.PatchInt32(0, writer.Length - 4);
        return writer.ToArray();
    }

    private int NextCorrelationId() => ++_correlationId;

    private byte[] Batch()
    {
        var builder = new RecordBatchBuilder();
        for (var i = random.Next(1, 4); i > 0; i--)
            builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), random.Next(2) == 0 ? null : RandomBytes(random.Next(0, 8)), RandomBytes(random.Next(0, 64)));
        return builder.Build();
    }

    private byte[] FlipBytes(byte[] bytes, int from, int count)
    {
        if (bytes.Length <= from) return bytes;
        for (var i = 0; i < count; i++) bytes[random.Next(from, bytes.Length)] ^= (byte)random.Next(1, 256);
        return bytes;
    }

    private static byte[] WriteInt32(byte[] bytes, int at, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), value);
        return bytes;
    }

    private static byte[] WriteByte(byte[] bytes, int at, byte value)
    {
        bytes[at] = value;
        return bytes;
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private string RandomString() => random.Next(4) == 0 ? "" : Encoding.Latin1.GetString(RandomBytes(random.Next(0, 40)));

    private T Pick<T>(T[] values) => values[random.Next(values.Length)];
}
