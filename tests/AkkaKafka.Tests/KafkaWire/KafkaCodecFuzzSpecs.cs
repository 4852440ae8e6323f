using AkkaKafka.Tests.KafkaClients;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>
/// The request decoders alone, in-process, under the Kafka listener fuzzer's frames: whatever the bytes, decoding
/// either reads a request or refuses with <see cref="AkkaKafka.Protocol.Kafka.KafkaProtocolException"/> (the listener
/// closes the connection on that); any other exception escapes the listener's handling and is a bug.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class KafkaCodecFuzzSpecs(ITestOutputHelper output)
{
    [Fact]
    public void Every_mangled_request_is_read_or_refused_with_a_protocol_error_and_nothing_else()
    {
        var frames = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_FRAMES"), out var n) && n > 0 ? n : 200_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (replay with AKKAKAFKA_FUZZ_SEED={seed}), {frames} frames");
        var fuzzer = new KafkaFrameFuzzer(new Random(seed), "fuzz-target", 100 * 1024 * 1024);

        var refused = 0;
        for (var i = 0; i < frames; i++)
        {
            var frame = fuzzer.Next();
            try
            {
                if (KafkaFrameFuzzer.Unreadable(frame.Bytes, 100 * 1024 * 1024) is not null) refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"frame {i} ({frame.What}) made the decoder throw {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(frame.Bytes)}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{frames} frames: {frames - refused} read, {refused} refused with a protocol error");
    }
}
