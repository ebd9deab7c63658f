using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>What a caller may add to an in-process cluster run (tests: a smaller frame, a logger, garbage at a port).</summary>
public sealed class ClusterOptions
{
    /// <summary>Settings over <see cref="ClusterEngine.NodeConfig"/>, on every node.</summary>
    public Config? Config { get; init; }

    /// <summary>The nodes' filter for garbage connections (its one warning line, its counts); by default one that warns on standard error.</summary>
    public ConnectionNoise? Noise { get; init; }

    /// <summary>How far the root got, and what crossed between nodes.</summary>
    public WindowClock? Clock { get; init; }

    /// <summary>Runs alongside the run once every node listens, given their addresses; the run returns once both are done.</summary>
    public Func<IReadOnlyList<Address>, Task>? WhileRunning { get; init; }
}

/// <summary>
/// The actor engine on several nodes inside one process: one ActorSystem per node on loopback
/// (Akka.Remote, port 0), chips placed on nodes in contiguous blocks (fixed placement, no
/// rebalancing), every component's actor on its chip's node. A <see cref="NodeKeeperActor"/> per
/// node runs its components and, after each window, sends every other node one batch directly
/// over the wire, through <see cref="ActorGicSerializer"/> (in parts when a batch is larger than a
/// frame, see <see cref="WireBudget"/>); the nodes decide the next window among themselves. A
/// <see cref="RootKeeperActor"/> on node 0 starts the run and ends it. Same scenario and seed: the same digest as one process. What is left
/// at the end is collected on each node's own system, as a worker process does.
/// </summary>
public static class ClusterEngine
{
    private static readonly Lazy<string> ClusterConf = new(() => ActorEngine.Embedded("akka.cluster.conf"));

    public static Config NodeConfig(int threads = 1) =>
        ConfigurationFactory.ParseString(ClusterConf.Value).WithFallback(ActorEngine.SingleProcessConfig(threads));

    /// <summary>A node's settings and its log filters: a lost peer's error (<see cref="LostPeerNoise"/>) and garbage connections (<paramref name="noise"/>).</summary>
    public static ActorSystemSetup NodeSetup(Config config, ConnectionNoise noise) =>
        BootstrapSetup.Create().WithConfig(config).And(new LogFilterBuilder().Add(new LostPeerNoise()).Add(noise).Build());

    /// <summary>The node of each chip: contiguous blocks, so a chip and its clusters share a node.</summary>
    public static int NodeOfChip(int chip, int chips, int nodes) => (int)((long)chip * nodes / chips);

    /// <summary>The node of a component: its chip's (the reclaimer's chip is 0, the coordinator's).</summary>
    public static int NodeOf(Layout layout, int component, int nodes) => NodeOfChip(layout.ChipOfComponent(component), layout.Chips, nodes);

    /// <summary>The node of every component of <paramref name="layout"/>.</summary>
    public static int[] NodesOf(Layout layout, int nodes)
    {
        var nodeOf = new int[layout.ComponentCount];
        for (int id = 0; id < nodeOf.Length; id++) nodeOf[id] = NodeOf(layout, id, nodes);
        return nodeOf;
    }

    /// <summary>The least time an event on one node takes to cause one on another, over the links that cross between their chips (<see cref="Horizons.BetweenNodes"/>).</summary>
    public static long[,] Lookahead(Layout layout, Horizons horizons, int nodes) => horizons.BetweenNodes(nodes, chip => NodeOfChip(chip, layout.Chips, nodes));

    /// <summary>What node <paramref name="node"/> of <paramref name="nodes"/> builds of <paramref name="scenario"/>: the components of its chips (for <see cref="Simulation"/>'s builds).</summary>
    public static Func<int, bool> Hosts(Scenario scenario, int node, int nodes)
    {
        var layout = new Layout(scenario.Topology, scenario.HasReclaimer);
        return id => NodeOf(layout, id, nodes) == node;
    }

    /// <summary>Runs on <paramref name="nodes"/> in-process nodes; every wait is bounded by <paramref name="bounds"/> (default: <see cref="RunBounds.Default"/>).</summary>
    public static RunOutcome Run(Simulation simulation, long end, int nodes, Action<long>? progress = null, RunBounds? bounds = null,
        ClusterOptions? options = null)
    {
        bounds ??= RunBounds.Default;
        var layout = simulation.Layout;
        if (nodes < 1) throw new ArgumentOutOfRangeException(nodes.ToString(), "at least one node");
        if (layout.Chips < nodes)
            throw new InvalidOperationException($"a run on {nodes} nodes needs at least {nodes} chips; this topology has {layout.Chips}");
        var config = options?.Config is { } extra ? extra.WithFallback(NodeConfig()) : NodeConfig();
        var setup = NodeSetup(config, options?.Noise ?? new ConnectionNoise());
        var clock = options?.Clock ?? new WindowClock();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var systems = Enumerable.Range(0, nodes).Select(n => ActorSystem.Create("actorgic", setup)).ToArray();
        try
        {
            var addresses = systems.Select(s => ((ExtendedActorSystem)s).Provider.DefaultAddress).ToArray();
            var provider0 = ((ExtendedActorSystem)systems[0]).Provider;
            IActorRef FromNode0(int node, string name, IActorRef local) =>
                node == 0 ? local : provider0.ResolveActorRef(new RootActorPath(addresses[node]) / "user" / name);

            var components = new IActorRef[simulation.Components.Length];
            var nodeOf = new int[components.Length];
            var perNode = Enumerable.Range(0, nodes).Select(_ => new Dictionary<int, IActorRef>()).ToArray();
            for (int id = 0; id < components.Length; id++)
            {
                int node = NodeOf(layout, id, nodes);
                nodeOf[id] = node;
                components[id] = systems[node].ActorOf(ComponentActor.Props(simulation.Components[id]), $"c{id}");
                perNode[node][id] = components[id];
            }
            // A keeper per node runs its components and exchanges batches with the others; the root on node 0 starts and ends the run.
            var horizons = new Horizons(layout, simulation.Scenario.Timing, simulation.CpuAtomics);
            var lookahead = Lookahead(layout, horizons, nodes);
            var rootPath = new RootActorPath(addresses[0]) / "user" / "root-keeper";
            var localKeepers = Enumerable.Range(0, nodes)
                .Select(n => systems[n].ActorOf(
                    NodeKeeperActor.Props(n, perNode[n], nodeOf, lookahead, horizons, rootPath, n == 0 ? clock : null, n == 0 ? progress : null), "node-keeper"))
                .ToArray();
            var nodeKeepers = localKeepers.Select((k, n) => FromNode0(n, "node-keeper", k)).ToArray();
            var root = systems[0].ActorOf(RootKeeperActor.Props(nodeKeepers, nodeOf, simulation.InitialEvents(), clock, lookahead), "root-keeper");
            clock.SetupSeconds = watch.Elapsed.TotalSeconds;
            var alongside = options?.WhileRunning?.Invoke(addresses) ?? Task.CompletedTask;
            var outcome = ActorEngine.RunToEnd(root, components, end, clock, bounds, "a node or component stopped answering");
            alongside.GetAwaiter().GetResult();
            clock.RunSeconds = watch.Elapsed.TotalSeconds - clock.SetupSeconds;
            watch.Restart();
            var inboxes = RunWait.Collect(localKeepers.Select(k => k.Ask<LocalDrained>(DrainNode.Instance, bounds.Watchdog)),
                outcome.ReachedNs, end, bounds, "a node keeper");
            clock.CollectSeconds = watch.Elapsed.TotalSeconds;
            return outcome with { InFlight = [.. outcome.InFlight, .. inboxes.SelectMany(d => d.Remaining)] };
        }
        finally
        {
            Task.WaitAll(systems.Select(s => s.Terminate()).ToArray(), TimeSpan.FromSeconds(10));
        }
    }
}
