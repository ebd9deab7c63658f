using ActorGic.Gic;
using Akka.Configuration;

namespace ActorGic.Scenarios;

/// <summary>
/// Reads a scenario's <c>topology</c> block: a regular layout (cpus, cpus-per-cluster,
/// clusters-per-chip, and the <c>numbering</c> of logical CPUs on it) or an explicit <c>mpidr</c>
/// list, and <c>rss</c>.
/// </summary>
public static class TopologyLoader
{
    public static readonly string[] Keys = ["cpus", "cpus-per-cluster", "clusters-per-chip", "numbering", "mpidr", "rss"];

    /// <summary>The topology of a scenario file (<c>scenario.topology</c>, or a top-level <c>topology</c>).</summary>
    public static Topology FromConfig(Config config)
    {
        var root = new HoconNode(config.Root, "");
        var block = root["scenario"]["topology"];
        if (!block.Exists) block = root["topology"];
        if (!block.Exists) return Topology.Regular(16);
        return FromNode(block);
    }

    public static Topology FromNode(HoconNode block)
    {
        if (!block.IsObject) throw block.Fail("expected a block { ... }");
        block.RejectUnknownKeys(Keys);
        bool rss = block["rss"].Bool(false);
        try
        {
            if (block["mpidr"].Exists)
            {
                foreach (var key in new[] { "cpus-per-cluster", "clusters-per-chip", "numbering" })
                    if (block[key].Exists) throw block[key].Fail("cannot be combined with an explicit mpidr list");
                var mpidrs = block["mpidr"].Elements().Select(e => new Mpidr(e.Hex())).ToList();
                if (block["cpus"].Exists && block["cpus"].Int(1, 65536) != mpidrs.Count)
                    throw block["cpus"].Fail($"is {block["cpus"].Long()} but the mpidr list has {mpidrs.Count} entries");
                return Topology.FromMpidrs(mpidrs, rss);
            }
            int cpus = block["cpus"].Int(1, 65536);
            int perCluster = block["cpus-per-cluster"].Int(16, 1, rss ? 256 : 16);
            int perChip = block["clusters-per-chip"].Int(256, 1, 256);
            var numbering = block["numbering"].String("contiguous") switch
            {
                "contiguous" => CpuNumbering.Contiguous,
                "interleaved" => CpuNumbering.Interleaved,
                var other => throw block["numbering"].Fail($"\"{other}\" is not contiguous or interleaved"),
            };
            return Topology.Regular(cpus, perCluster, perChip, rss, numbering);
        }
        catch (GicConfigurationException e)
        {
            throw block.Fail(e.Message);
        }
    }
}
