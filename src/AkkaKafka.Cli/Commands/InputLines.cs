using System.Buffers;
using System.Runtime.CompilerServices;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `produce`'s input, one record per line, with each line's bytes kept as they are (as kcat does): text that is not
/// UTF-8 is not turned into U+FFFD, and a lone '\r' is a byte of the record, not a line break.
/// </summary>
internal static class InputLines
{
    /// <summary>
    /// Splits <paramref name="input"/> on '\n'. A '\r' right before the '\n' is dropped (files written on Windows end
    /// lines with "\r\n"); every other byte stays. An empty line is an empty record; the last line needs no '\n'.
    /// </summary>
    public static async IAsyncEnumerable<byte[]> ReadAsync(Stream input, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var chunk = new byte[64 * 1024];
        var pending = new ArrayBufferWriter<byte>();
        int read;
        while ((read = await input.ReadAsync(chunk, cancellationToken)) > 0)
        {
            var rest = chunk.AsMemory(0, read);
            int newline;
            while ((newline = rest.Span.IndexOf((byte)'\n')) >= 0)
            {
                pending.Write(rest.Span[..newline]);
                yield return Line(pending.WrittenSpan);
                pending.ResetWrittenCount();
                rest = rest[(newline + 1)..];
            }
            pending.Write(rest.Span);
        }
        if (pending.WrittenCount > 0) yield return pending.WrittenSpan.ToArray();
    }

    private static byte[] Line(ReadOnlySpan<byte> line) =>
        (line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line).ToArray();
}
