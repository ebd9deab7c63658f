using ActorGic.Actors;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The handshake's hash covers everything that decides a run's result: every model assembly's
/// build and the configuration embedded in it. A worker that differs in any of them sends
/// another hash, which the coordinator refuses (<see cref="ProcessClusterHandshakeTests"/>).
/// </summary>
public class ClusterHandshakeTests
{
    private static readonly string[] ModelNames = ["ActorGic.Actors", "ActorGic.Engine", "ActorGic.Gic", "ActorGic.Kernel", "ActorGic.Scenarios"];

    private static AssemblyStamp[] Stamps() => ClusterHandshake.ModelAssemblies.Select(AssemblyStamp.Of).ToArray();

    [Fact]
    public void The_hash_covers_the_five_model_assemblies_and_their_embedded_configuration()
    {
        var stamps = Stamps();
        Assert.Equal(ModelNames, stamps.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ClusterHandshake.ConfigHash, ClusterHandshake.Hash(stamps));
        Assert.Equal(ClusterHandshake.ConfigHash, ProcessCluster.ConfigHash);
        var resources = stamps.SelectMany(s => s.Resources.Select(r => r.Name)).ToHashSet();
        Assert.Superset(new HashSet<string> { "akka.single.conf", "akka.cluster.conf", "actorgic.conf" }, resources);
    }

    [Fact]
    public void The_hash_does_not_depend_on_the_order_of_the_assemblies() =>
        Assert.Equal(ClusterHandshake.Hash(Stamps()), ClusterHandshake.Hash(Stamps().Reverse()));

    public static TheoryData<string> Models() => new(ModelNames);

    [Theory]
    [MemberData(nameof(Models))]
    public void Another_build_of_any_model_assembly_gives_another_hash(string name)
    {
        var rebuilt = Stamps().Select(s => s.Name == name ? s with { Mvid = Guid.NewGuid() } : s);
        Assert.NotEqual(ClusterHandshake.ConfigHash, ClusterHandshake.Hash(rebuilt));
        Assert.NotEqual(ClusterHandshake.ConfigHash, ClusterHandshake.Hash(Stamps().Where(s => s.Name != name)));
    }

    [Theory]
    [InlineData("akka.single.conf")]
    [InlineData("akka.cluster.conf")]
    [InlineData("actorgic.conf")]
    public void Another_byte_of_embedded_configuration_gives_another_hash(string resource)
    {
        var changed = Stamps().Select(s => s with
        {
            Resources = s.Resources.Select(r => r.Name == resource ? (r.Name, r.Bytes.Append((byte)'\n').ToArray()) : r).ToArray(),
        });
        Assert.NotEqual(ClusterHandshake.ConfigHash, ClusterHandshake.Hash(changed));
    }
}
