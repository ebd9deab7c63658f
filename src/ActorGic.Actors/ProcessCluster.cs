using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>A worker asks to take part: its build and configuration hash (the application-level handshake).</summary>
public sealed record JoinRun(string ConfigHash) : IActorGicMessage;

/// <summary>The coordinator refuses a worker (a different build or configuration, or the run is full).</summary>
public sealed record JoinRefused(string Reason) : IActorGicMessage;

/// <summary>The coordinator gives a worker its node index and the scenario (text, the directory its includes resolve in, seed).</summary>
public sealed record AssignNode(int Node, int Nodes, string ScenarioText, string ScenarioName, string Directory, long Seed, string ScenarioHash)
    : IActorGicMessage;

/// <summary>A worker built its components and its node keeper (at /user/worker/node-keeper).</summary>
public sealed record NodeReady(int Node) : IActorGicMessage;

/// <summary>The coordinator asks a worker for its components' facts and leftover events after the run.</summary>
public sealed record GetNodeFacts : IActorGicMessage
{
    public static readonly GetNodeFacts Instance = new();
}

/// <summary>
/// A worker's facts (<see cref="RunFacts.ToBytes"/>), the events its components and keeper still
/// held, and its peak working set. Larger than one frame, it comes in parts (<see cref="WireBudget.Split"/>):
/// every part but the last has <paramref name="More"/>.
/// </summary>
public sealed record NodeFacts(int Node, byte[] Facts, SimEvent[] Remaining, long PeakBytes = 0, bool More = false) : IActorGicMessage;

/// <summary>What a clustered run cost: wall time to get every node ready, to run, to collect; peak memory per node; windows.</summary>
public sealed record ClusterCost(double ReadySeconds, double RunSeconds, double CollectSeconds, long[] PeakBytes, long Windows, long RemoteMessages);

/// <summary>The run is over: the worker shuts down.</summary>
public sealed record EndRun : IActorGicMessage
{
    public static readonly EndRun Instance = new();
}

/// <summary>
/// The actor engine across separate processes: an Akka.Cluster on loopback whose seed is the
/// coordinator (the process that loaded the scenario, node 0, home of the root keeper, the NMI
/// broker's and the reclaimer's components). Workers (<c>actorgic node</c>) join, pass the
/// configuration handshake, receive the scenario, build the components of their chips and a
/// node keeper; the root keeper then runs windows exactly as with in-process nodes. At the end
/// each worker sends its components' facts, from which the coordinator builds the one report.
/// A worker lost mid-run (unreachable, removed) or a window that makes no progress stops the run
/// with <see cref="RunAbortedException"/>.
/// </summary>
public static class ProcessCluster
{
    private static readonly Lazy<string> ClusterConf = new(() => ActorEngine.Embedded("akka.cluster.conf"));

    /// <summary>Hash of what must be equal on every node: this build and the embedded configuration.</summary>
    public static string ConfigHash { get; } = Hash(
        typeof(ProcessCluster).Assembly.ManifestModule.ModuleVersionId.ToString(),
        ClusterConf.Value,
        ActorEngine.Embedded("akka.single.conf"));

    public static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n\u0001", parts))))[..16];

    /// <summary>A process's cluster configuration: the cluster provider on loopback, the given port, the coordinator as seed.</summary>
    public static Config ProcessConfig(int port, string seed) =>
        ConfigurationFactory.ParseString(
                $"akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.port = {port}\nakka.cluster.seed-nodes = [\"akka.tcp://actorgic@{seed}\"]")
            .WithFallback(ClusterEngine.NodeConfig());

    /// <summary>A process's settings, and its log filters (<see cref="LostPeerNoise"/>, <see cref="ConnectionNoise"/> warning on <paramref name="warnings"/>, standard error by default).</summary>
    public static ActorSystemSetup ProcessSetup(int port, string seed, TextWriter? warnings = null) =>
        ClusterEngine.NodeSetup(ProcessConfig(port, seed), new ConnectionNoise(warnings));

    private static TimeSpan Setting(string path) =>
        ConfigurationFactory.ParseString(ClusterConf.Value).GetTimeSpan(path, null, allowInfinite: false);

    public static TimeSpan JoinTimeout => Setting("actorgic-cluster.join-timeout");
    public static TimeSpan WindowWatchdog => Setting("actorgic-cluster.window-watchdog");

    /// <summary>
    /// Runs <paramref name="simulation"/> with this process as coordinator on <paramref name="port"/>
    /// and <paramref name="nodes"/> - 1 worker processes. Returns the outcome and the merged facts.
    /// </summary>
    public static (RunOutcome Outcome, RunFacts Facts) Coordinate(Simulation simulation, string scenarioText, string scenarioName,
        string directory, int nodes, int port, Action<long>? progress = null, TextWriter? log = null) =>
        Coordinate(simulation, scenarioText, scenarioName, directory, nodes, port, progress, log, out _);

    /// <inheritdoc cref="Coordinate(Simulation, string, string, string, int, int, Action{long}?, TextWriter?)"/>
    public static (RunOutcome Outcome, RunFacts Facts) Coordinate(Simulation simulation, string scenarioText, string scenarioName,
        string directory, int nodes, int port, Action<long>? progress, TextWriter? log, out ClusterCost cost, TimeSpan? joinTimeout = null)
    {
        var layout = simulation.Layout;
        if (layout.Chips < nodes)
            throw new InvalidOperationException($"a run on {nodes} nodes needs at least {nodes} chips; this topology has {layout.Chips}");
        var system = ActorSystem.Create("actorgic", ProcessSetup(port, $"127.0.0.1:{port}", log));
        try
        {
            var cluster = Cluster.Get(system);
            var scenarioHash = Hash(scenarioText, simulation.Scenario.Seed.ToString());
            var workers = new TaskCompletionSource<Address[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var assignment = new AssignNode(0, nodes, scenarioText, scenarioName, directory, simulation.Scenario.Seed, scenarioHash);
            WireBudget.CheckFits(system, assignment, "the scenario a worker node receives");
            var coordinator = system.ActorOf(Props.Create(() => new CoordinatorActor(nodes, assignment, workers, lost)), "coordinator");
            log?.WriteLine($"actorgic: coordinator at akka.tcp://actorgic@127.0.0.1:{port}, waiting for {nodes - 1} node(s)");

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var joinWait = joinTimeout ?? JoinTimeout;
            if (!workers.Task.Wait(joinWait))
                throw new RunAbortedException(0, $"only {nodes - 1 - RemainingJoins(coordinator)} of {nodes - 1} worker node(s) registered within {joinWait.TotalSeconds:F0} s");
            var addresses = workers.Task.Result;
            double ready = watch.Elapsed.TotalSeconds;
            log?.WriteLine($"actorgic: {nodes - 1} worker node(s) ready after {ready:F1} s");

            // Node 0's components and keeper live here; every other node's on its worker.
            var nodeOf = new int[simulation.Components.Length];
            var local = new Dictionary<int, IActorRef>();
            for (int id = 0; id < nodeOf.Length; id++)
            {
                nodeOf[id] = ClusterEngine.NodeOf(layout, id, nodes);
                if (nodeOf[id] == 0) local[id] = system.ActorOf(ComponentActor.Props(simulation.Components[id]), $"c{id}");
            }
            var keepers = new IActorRef[nodes];
            var horizons = new Horizons(layout, simulation.Scenario.Timing);
            keepers[0] = system.ActorOf(NodeKeeperActor.Props(0, local, nodeOf.Length, horizons), "node-keeper");
            // The NMI broker's registry lives on the coordinator too (never a migrating singleton); it is not on the data path.
            if (simulation.Mux is { } mux) system.ActorOf(NmiBrokerActor.Props(mux.Broker.Copy(), mux.Sgi), "nmi-broker");
            var provider = ((ExtendedActorSystem)system).Provider;
            for (int n = 1; n < nodes; n++)
                keepers[n] = provider.ResolveActorRef(new RootActorPath(addresses[n]) / "user" / "worker" / "node-keeper");
            var clock = new WindowClock();
            var root = system.ActorOf(RootKeeperActor.Props(keepers, nodeOf, horizons.AcrossChips,
                simulation.InitialEvents(), progress, clock), "root-keeper");

            var finished = root.Ask<RunFinished>(new RunTo(simulation.Scenario.End), Timeout.InfiniteTimeSpan);
            var watchdog = WindowWatchdog;
            while (!finished.IsCompleted)
            {
                if (lost.Task.IsCompleted)
                    throw new RunAbortedException(clock.Start, $"{lost.Task.Result}; the run stopped at t={clock.Start} ns of {simulation.Scenario.End} ns");
                if (TimeSpan.FromMilliseconds(Environment.TickCount64 - clock.WallTicks) > watchdog)
                    throw new RunAbortedException(clock.Start, $"no window finished for {watchdog.TotalSeconds:F0} s (wall time) after t={clock.Start} ns: a node stopped answering");
                Task.WaitAny([finished, lost.Task], TimeSpan.FromMilliseconds(200));
            }
            var done = finished.GetAwaiter().GetResult(); // a failed run throws its RunAbortedException here
            double ran = watch.Elapsed.TotalSeconds;
            log?.WriteLine($"actorgic: {done.Windows} windows run after {watch.Elapsed.TotalSeconds:F1} s; collecting the nodes' results");

            // Everything still held: the root's undelivered batches, each keeper's inbox, each component's queue.
            var inFlight = new List<SimEvent>(done.Undelivered);
            var drains = local.Values.Select(r => r.Ask<LocalDrained>(DrainLocal.Instance, TimeSpan.FromSeconds(30))).ToList();
            drains.Add(keepers[0].Ask<LocalDrained>(DrainNode.Instance, TimeSpan.FromSeconds(30)));
            Task.WaitAll(drains.ToArray());
            inFlight.AddRange(drains.SelectMany(d => d.Result.Remaining));
            var facts = RunFacts.Of(simulation, id => nodeOf[id] == 0);
            // A worker's facts may be larger than a frame: they come in parts (WireBudget), each collector waits for the last.
            var remote = Enumerable.Range(1, nodes - 1)
                .Select(n => CollectFacts(system, system.ActorSelection(new RootActorPath(addresses[n]) / "user" / "worker")))
                .ToArray();
            if (!Task.WaitAll(remote, TimeSpan.FromMinutes(2)))
                throw new RunAbortedException(done.ReachedNs, "a worker node did not send its results after the run");
            foreach (var r in remote)
            {
                facts.Merge(RunFacts.FromBytes(r.Result.Facts));
                inFlight.AddRange(r.Result.Remaining);
            }
            log?.WriteLine($"actorgic: results collected after {watch.Elapsed.TotalSeconds:F1} s");
            var peaks = new[] { System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 }.Concat(remote.Select(r => r.Result.PeakBytes)).ToArray();
            cost = new ClusterCost(ready, ran - ready, watch.Elapsed.TotalSeconds - ran, peaks, done.Windows, clock.RemoteMessages);
            coordinator.Tell(EndRun.Instance);
            foreach (var address in addresses.Skip(1))
                system.ActorSelection(new RootActorPath(address) / "user" / "worker").Tell(EndRun.Instance);
            Thread.Sleep(200); // let the EndRun messages leave before the transport closes
            cluster.Leave(cluster.SelfAddress);
            var outcome = new RunOutcome(done.ReachedNs, done.Events, inFlight, Windows: done.Windows, ComponentRuns: done.ComponentRuns);
            return (outcome, facts);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    private static Task<NodeFacts> CollectFacts(ActorSystem system, ActorSelection worker)
    {
        var done = new TaskCompletionSource<NodeFacts>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new NodeFactsCollector(worker, done)));
        return done.Task;
    }

    private static int RemainingJoins(IActorRef coordinator)
    {
        try
        {
            return coordinator.Ask<int>("remaining", TimeSpan.FromSeconds(2)).Result;
        }
        catch (AggregateException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The coordinator's registry: checks each worker's handshake, gives it the next node index and
    /// the scenario, waits until every node is ready, then watches membership for lost nodes.
    /// </summary>
    private sealed class CoordinatorActor : ReceiveActor
    {
        private readonly Address[] _addresses;
        private readonly Dictionary<Address, int> _nodeOf = new();
        private int _joined, _ready;

        public CoordinatorActor(int nodes, AssignNode template, TaskCompletionSource<Address[]> workers, TaskCompletionSource<string> lost)
        {
            _addresses = new Address[nodes];
            var cluster = Cluster.Get(Context.System);
            _addresses[0] = cluster.SelfAddress;
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
            if (nodes == 1) workers.TrySetResult(_addresses);

            Receive<JoinRun>(join =>
            {
                var address = Sender.Path.Address;
                if (join.ConfigHash != ConfigHash)
                {
                    Sender.Tell(new JoinRefused($"configuration hash {join.ConfigHash} differs from the coordinator's {ConfigHash} (another build or other settings)"));
                    return;
                }
                if (_nodeOf.ContainsKey(address)) return;
                if (_joined == nodes - 1)
                {
                    Sender.Tell(new JoinRefused($"the run already has its {nodes} nodes"));
                    return;
                }
                int node = ++_joined;
                _nodeOf[address] = node;
                _addresses[node] = address;
                Sender.Tell(template with { Node = node });
            });
            Receive<NodeReady>(_ =>
            {
                if (++_ready == nodes - 1) workers.TrySetResult(_addresses);
            });
            Receive<string>(s => s == "remaining", _ => Sender.Tell(nodes - 1 - _ready));
            Receive<ClusterEvent.UnreachableMember>(e => Lost(e.Member.Address, "unreachable", lost));
            Receive<ClusterEvent.MemberRemoved>(e => Lost(e.Member.Address, "removed from the cluster", lost));
            Receive<EndRun>(_ => cluster.Unsubscribe(Self));
        }

        private void Lost(Address address, string how, TaskCompletionSource<string> lost)
        {
            if (_nodeOf.TryGetValue(address, out int node))
                lost.TrySetResult($"node {node} ({address.Host}:{address.Port}) was lost: {how}");
        }
    }

    /// <summary>
    /// <c>actorgic node</c>: joins the coordinator's cluster, registers, builds its node's
    /// components when assigned, and answers for them until the run ends. Returns the exit code:
    /// 0 after a run, 2 when refused, 3 when the coordinator is lost.
    /// </summary>
    public static int Work(string seed, int port, Func<AssignNode, Simulation> build, TextWriter log)
    {
        var system = ActorSystem.Create("actorgic", ProcessSetup(port, seed, log));
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new WorkerActor(seed, build, exit, log)), "worker");
        int code = exit.Task.Result;
        Cluster.Get(system).Leave(Cluster.Get(system).SelfAddress);
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        return code;
    }

    private sealed class WorkerActor : ReceiveActor
    {
        private sealed record FactsReady(IActorRef To, NodeFacts Facts);

        private Simulation? _simulation;
        private Dictionary<int, IActorRef> _components = new();
        private IActorRef? _keeper;
        private int _node = -1;

        public WorkerActor(string seed, Func<AssignNode, Simulation> build, TaskCompletionSource<int> exit, TextWriter log)
        {
            var cluster = Cluster.Get(Context.System);
            var coordinatorAddress = Address.Parse($"akka.tcp://actorgic@{seed}");
            var self = Self;
            var system = Context.System;
            // Runs outside the actor: capture what it needs.
            cluster.RegisterOnMemberUp(() =>
                system.ActorSelection(new RootActorPath(coordinatorAddress) / "user" / "coordinator").Tell(new JoinRun(ConfigHash), self));
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));

            Receive<JoinRefused>(r =>
            {
                log.WriteLine($"actorgic: refused by the coordinator: {r.Reason}");
                exit.TrySetResult(2);
            });
            Receive<AssignNode>(a =>
            {
                if (Hash(a.ScenarioText, a.Seed.ToString()) != a.ScenarioHash)
                {
                    log.WriteLine("actorgic: the scenario arrived damaged (hash mismatch)");
                    exit.TrySetResult(2);
                    return;
                }
                if (a.Nodes < 2 || a.Node < 1 || a.Node >= a.Nodes)
                {
                    log.WriteLine($"actorgic: the coordinator assigned node {a.Node} of {a.Nodes}, which does not exist");
                    exit.TrySetResult(2);
                    return;
                }
                _node = a.Node;
                try
                {
                    _simulation = build(a);
                }
                catch (Exception e)
                {
                    log.WriteLine($"actorgic: node {a.Node} cannot build \"{a.ScenarioName}\": {e.Message.ReplaceLineEndings(" ")}");
                    exit.TrySetResult(2);
                    return;
                }
                var layout = _simulation.Layout;
                for (int id = 0; id < _simulation.Components.Length; id++)
                    if (ClusterEngine.NodeOf(layout, id, a.Nodes) == a.Node)
                        _components[id] = Context.ActorOf(ComponentActor.Props(_simulation.Components[id]), $"c{id}");
                _keeper = Context.ActorOf(NodeKeeperActor.Props(a.Node, _components, layout.ComponentCount,
                    new Horizons(layout, _simulation.Scenario.Timing), new RootActorPath(coordinatorAddress) / "user" / "root-keeper"), "node-keeper");
                log.WriteLine($"actorgic: node {a.Node} of {a.Nodes}: {_components.Count} components of \"{a.ScenarioName}\"");
                Sender.Tell(new NodeReady(a.Node));
            });
            Receive<GetNodeFacts>(_ =>
            {
                var sender = Sender;
                var drains = _components.Values.Select(r => r.Ask<LocalDrained>(DrainLocal.Instance, TimeSpan.FromSeconds(30))).ToList();
                drains.Add(_keeper!.Ask<LocalDrained>(DrainNode.Instance, TimeSpan.FromSeconds(30)));
                var sim = _simulation!;
                var hosted = _components;
                int node = _node;
                Task.WhenAll(drains).ContinueWith(t =>
                {
                    var remaining = t.Result.SelectMany(d => d.Remaining).ToArray();
                    return new FactsReady(sender, new NodeFacts(node, RunFacts.Of(sim, hosted.ContainsKey).ToBytes(), remaining,
                        System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64));
                }).PipeTo(Self);
            });
            // Sent from here, in order: the coordinator's collector puts the parts back together.
            var config = Context.System.Settings.Config;
            Receive<FactsReady>(r =>
            {
                foreach (var part in WireBudget.Split(r.Facts, WireBudget.BytesPerMessage(config), WireBudget.EventsPerMessage(config)))
                    r.To.Tell(part);
            });
            Receive<EndRun>(_ => exit.TrySetResult(0));
            Receive<ClusterEvent.UnreachableMember>(e =>
            {
                if (e.Member.Address == coordinatorAddress) Abandon("unreachable");
            });
            Receive<ClusterEvent.MemberRemoved>(e =>
            {
                if (e.Member.Address == coordinatorAddress) Abandon("removed");
            });

            void Abandon(string how)
            {
                if (exit.Task.IsCompleted) return; // the run ended first: the coordinator left as it should
                log.WriteLine($"actorgic: the coordinator was lost ({how}); node {_node} stops");
                exit.TrySetResult(3);
            }
        }
    }
}
