using System.Reflection;
using Xunit;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// Every test class says whether it is fast, so `dotnet test --filter "Speed=Fast"` runs the specs a developer can
/// run in seconds. Fast: no broker process, no ActorSystem cluster, no client process (codecs, pure state, settings,
/// and single ActorSystem TestKit specs on a local SQLite journal). Slow: everything that starts real processes,
/// in-process clusters of brokers, or needs a server of its own (PostgreSQL). A class without the trait would be
/// silently left out of the fast run, so a new test class must choose.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class SpeedTraitSpecs
{
    private static readonly string[] Speeds = ["Fast", "Slow"];

    /// <summary>The collections whose fixtures start broker processes or clusters of ActorSystems.</summary>
    private static readonly string[] ProcessOrClusterCollections =
        [EndToEnd.EndToEndCollection.Name, KafkaClients.KafkaClientsCollection.Name, MultiNode.MultiNodeCollection.Name];

    private static IEnumerable<Type> TestClasses() =>
        typeof(SpeedTraitSpecs).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()));

    /// <summary>The values of the class's own Speed traits (xunit reads a class's traits where they are declared).</summary>
    private static string[] SpeedsOf(Type testClass) =>
        testClass.CustomAttributes
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Speed")
            .Select(a => (string)a.ConstructorArguments[1].Value!)
            .ToArray();

    [Fact]
    public void Every_test_class_is_either_fast_or_slow()
    {
        var unclassified = TestClasses()
            .Where(t => SpeedsOf(t) is not [var speed] || !Speeds.Contains(speed))
            .Select(t => $"{t.FullName} [{string.Join(", ", SpeedsOf(t))}]")
            .ToList();

        Assert.True(unclassified.Count == 0,
            "each test class needs exactly one [Trait(\"Speed\", \"Fast\")] or [Trait(\"Speed\", \"Slow\")]: "
            + string.Join("; ", unclassified));
    }

    [Fact]
    public void Specs_in_the_process_and_cluster_collections_are_slow()
    {
        var misfiled = TestClasses()
            .Where(t => ProcessOrClusterCollections.Contains(CollectionOf(t)))
            .Where(t => SpeedsOf(t).Contains("Fast"))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(misfiled.Count == 0, "these start broker processes or clusters but are marked fast: " + string.Join("; ", misfiled));
    }

    private static string? CollectionOf(Type testClass) =>
        testClass.CustomAttributes.SingleOrDefault(a => a.AttributeType == typeof(CollectionAttribute))?.ConstructorArguments[0].Value as string;

    [Fact]
    public void The_spec_finds_the_test_classes()
    {
        // Guards the two specs above against passing vacuously if the discovery of test classes broke.
        var classes = TestClasses().ToList();
        Assert.Contains(typeof(SpeedTraitSpecs), classes);
        Assert.Contains(classes, t => t.Name == "SqlitePartitionActorSpecs"); // inherits its facts
        Assert.True(classes.Count > 100, $"found only {classes.Count} test classes");
    }
}
