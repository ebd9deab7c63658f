using Akka.Actor;
using Akka.Configuration;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The actor engine on several nodes inside one process: one ActorSystem per node on loopback
/// (Akka.Remote, port 0), chips placed on nodes in contiguous blocks (fixed placement, no
/// rebalancing), every component's actor on its chip's node. Time keeping is hierarchical: a
/// <see cref="NodeKeeperActor"/> per node runs its components, and a <see cref="RootKeeperActor"/>
/// on node 0 exchanges one batch per node per window with them over the wire, through
/// <see cref="ActorGicSerializer"/>. Same scenario and seed: the same digest as one process.
/// </summary>
public static class ClusterEngine
{
    private static readonly Lazy<string> ClusterConf = new(() => ActorEngine.Embedded("akka.cluster.conf"));

    public static Config NodeConfig(int threads = 1) =>
        ConfigurationFactory.ParseString(ClusterConf.Value).WithFallback(ActorEngine.SingleProcessConfig(threads));

    /// <summary>The node of each chip: contiguous blocks, so a chip and its clusters share a node.</summary>
    public static int NodeOfChip(int chip, int chips, int nodes) => (int)((long)chip * nodes / chips);

    /// <summary>The node of a component: its chip's (the reclaimer's chip is 0, the coordinator's).</summary>
    public static int NodeOf(Layout layout, int component, int nodes) => NodeOfChip(layout.ChipOfComponent(component), layout.Chips, nodes);

    /// <summary>Runs on <paramref name="nodes"/> in-process nodes; every wait is bounded by <paramref name="bounds"/> (default: <see cref="RunBounds.Default"/>).</summary>
    public static RunOutcome Run(Simulation simulation, long end, int nodes, Action<long>? progress = null, RunBounds? bounds = null)
    {
        bounds ??= RunBounds.Default;
        var layout = simulation.Layout;
        if (nodes < 1) throw new ArgumentOutOfRangeException(nodes.ToString(), "at least one node");
        if (layout.Chips < nodes)
            throw new InvalidOperationException($"a run on {nodes} nodes needs at least {nodes} chips; this topology has {layout.Chips}");
        var systems = Enumerable.Range(0, nodes).Select(n => ActorSystem.Create("actorgic", NodeConfig())).ToArray();
        try
        {
            var addresses = systems.Select(s => ((ExtendedActorSystem)s).Provider.DefaultAddress).ToArray();
            var provider0 = ((ExtendedActorSystem)systems[0]).Provider;
            IActorRef FromNode0(int node, string name, IActorRef local) =>
                node == 0 ? local : provider0.ResolveActorRef(new RootActorPath(addresses[node]) / "user" / name);

            var refs = new IActorRef[simulation.Components.Length];
            var nodeOf = new int[refs.Length];
            var perNode = Enumerable.Range(0, nodes).Select(_ => new Dictionary<int, IActorRef>()).ToArray();
            for (int id = 0; id < refs.Length; id++)
            {
                int node = NodeOf(layout, id, nodes);
                nodeOf[id] = node;
                var local = systems[node].ActorOf(ComponentActor.Props(simulation.Components[id]), $"c{id}");
                perNode[node][id] = local;
                refs[id] = FromNode0(node, $"c{id}", local); // used only to drain at the end
            }
            // A keeper per node runs its components; the root on node 0 batches everything between nodes.
            var horizons = new Horizons(layout, simulation.Scenario.Timing);
            var nodeKeepers = Enumerable.Range(0, nodes)
                .Select(n => FromNode0(n, "node-keeper", systems[n].ActorOf(NodeKeeperActor.Props(n, perNode[n], refs.Length, horizons), "node-keeper")))
                .ToArray();
            var clock = new WindowClock();
            var root = systems[0].ActorOf(
                RootKeeperActor.Props(nodeKeepers, nodeOf, horizons.AcrossChips, simulation.InitialEvents(), progress, clock), "root-keeper");
            var outcome = ActorEngine.RunToEnd(root, refs, end, clock, bounds, "a node or component stopped answering");
            var inboxes = RunWait.Collect(nodeKeepers.Select(k => k.Ask<LocalDrained>(DrainNode.Instance, bounds.Watchdog)),
                outcome.ReachedNs, end, bounds, "a node keeper");
            return outcome with { InFlight = [.. outcome.InFlight, .. inboxes.SelectMany(d => d.Remaining)] };
        }
        finally
        {
            Task.WaitAll(systems.Select(s => s.Terminate()).ToArray(), TimeSpan.FromSeconds(10));
        }
    }

}
