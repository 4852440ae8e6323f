using Xunit;

namespace AkkaKafka.Tests.MultiNode;

/// <summary>
/// Multi-node specs start several brokers on loopback ports and share timing-sensitive failure detection:
/// they run one at a time, never beside each other or other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "MultiNode";
}
