using System.Collections;
using System.Reflection;
using Xunit;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// Deep, field-by-field equality for messages whose records hold lists or byte arrays (record equality compares
/// those by reference). Collections compare element by element whatever their concrete type; failures name the path.
/// </summary>
public static class Structural
{
    public static void AssertEqual(object? expected, object? actual)
    {
        var difference = Difference(expected, actual, expected?.GetType().Name ?? "value");
        if (difference is not null) Assert.Fail(difference);
    }

    private static string? Difference(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";

        var type = expected.GetType();
        if (type.IsPrimitive || type.IsEnum || expected is string or decimal or DateTime or TimeSpan)
            return Equals(expected, actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";

        if (expected is byte[] expectedBytes)
            return actual is byte[] actualBytes && expectedBytes.AsSpan().SequenceEqual(actualBytes)
                ? null
                : $"{path}: expected bytes {Show(expected)}, got {Show(actual)}";

        if (expected is ReadOnlyMemory<byte> expectedMemory)
            return actual is ReadOnlyMemory<byte> actualMemory && expectedMemory.Span.SequenceEqual(actualMemory.Span)
                ? null
                : $"{path}: expected {expectedMemory.Length} bytes, got {(actual is ReadOnlyMemory<byte> m ? m.Length + " other bytes" : Show(actual))}";

        if (expected is IEnumerable expectedItems)
        {
            if (actual is not IEnumerable actualItems) return $"{path}: expected a collection, got {actual.GetType().Name}";
            var e = expectedItems.Cast<object?>().ToList();
            var a = actualItems.Cast<object?>().ToList();
            if (e.Count != a.Count) return $"{path}: expected {e.Count} items, got {a.Count}";
            for (var i = 0; i < e.Count; i++)
                if (Difference(e[i], a[i], $"{path}[{i}]") is { } d) return d;
            return null;
        }

        if (actual.GetType() != type) return $"{path}: expected a {type.Name}, got a {actual.GetType().Name}";
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            if (Difference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}") is { } d) return d;
        }
        return null;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        byte[] bytes => $"[{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 16)))}…]",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? value.GetType().Name,
    };
}
