using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

/// <summary>
/// The actor engine across separate processes: an Akka.Cluster on loopback whose seed is the
/// coordinator (the process that loaded the scenario, node 0, home of the root keeper, the NMI
/// broker's and the reclaimer's components). Workers (<c>actorgic node</c>) join, pass the
/// configuration handshake, receive the scenario, build the components of their chips and a
/// node keeper; the root keeper then starts the run, and the nodes run windows among themselves exactly as in-process nodes do. At the end
/// each worker sends its components' facts, from which the coordinator builds the one report.
/// A worker lost mid-run (unreachable, removed) or a window that makes no progress stops the run
/// with <see cref="RunAbortedException"/>; a cancelled token with <see cref="RunInterruptedException"/>.
/// The handshake (<see cref="ClusterHandshake"/>) refuses a worker with another build of any model
/// assembly or other embedded settings, and the scenario travels as every file the coordinator read.
/// </summary>
public static partial class ProcessCluster
{
    private static readonly Lazy<string> ClusterConf = new(() => ActorEngine.Embedded("akka.cluster.conf"));

    /// <summary>What must be equal on every node (<see cref="ClusterHandshake.ConfigHash"/>).</summary>
    public static string ConfigHash => ClusterHandshake.ConfigHash;

    /// <summary>A process's cluster configuration: the cluster provider on loopback, the given port, the coordinator as seed.</summary>
    public static Config ProcessConfig(int port, string seed) =>
        ConfigurationFactory.ParseString(
                $"akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.port = {port}\nakka.cluster.seed-nodes = [\"akka.tcp://actorgic@{seed}\"]")
            .WithFallback(ClusterEngine.NodeConfig());

    /// <summary>
    /// A process's settings (<paramref name="over"/>, when given, over them), and its log filters
    /// (<see cref="LostPeerNoise"/>, <see cref="ConnectionNoise"/> warning on <paramref name="warnings"/>, standard error by default).
    /// </summary>
    public static ActorSystemSetup ProcessSetup(int port, string seed, TextWriter? warnings = null, Config? over = null) =>
        ClusterEngine.NodeSetup(over is null ? ProcessConfig(port, seed) : over.WithFallback(ProcessConfig(port, seed)), new ConnectionNoise(warnings));

    private static TimeSpan Setting(string path) =>
        ConfigurationFactory.ParseString(ClusterConf.Value).GetTimeSpan(path, null, allowInfinite: false);

    /// <summary>How long the coordinator waits for every worker to register (<c>actorgic-cluster.join-timeout</c>, 60 s).</summary>
    public static TimeSpan JoinTimeout => Setting("actorgic-cluster.join-timeout");

    /// <summary>How long a worker waits for a coordinator to take it (<c>actorgic-cluster.worker-join-timeout</c>, 30 s).</summary>
    public static TimeSpan WorkerJoinTimeout => Setting("actorgic-cluster.worker-join-timeout");

    /// <summary>
    /// Runs <paramref name="simulation"/> (loaded from <paramref name="sources"/>) with this process
    /// as coordinator on <paramref name="port"/> and <paramref name="nodes"/> - 1 worker processes.
    /// Returns the outcome and the merged facts.
    /// </summary>
    public static (RunOutcome Outcome, RunFacts Facts) Coordinate(Simulation simulation, ScenarioSources sources, int nodes, int port,
        Action<long>? progress = null, TextWriter? log = null, RunBounds? bounds = null) =>
        Coordinate(simulation, sources, nodes, port, progress, log, out _, bounds: bounds);

    /// <inheritdoc cref="Coordinate(Simulation, ScenarioSources, int, int, Action{long}?, TextWriter?, RunBounds?)"/>
    public static (RunOutcome Outcome, RunFacts Facts) Coordinate(Simulation simulation, ScenarioSources sources, int nodes, int port,
        Action<long>? progress, TextWriter? log, out ClusterCost cost, TimeSpan? joinTimeout = null, RunBounds? bounds = null)
    {
        var (outcome, facts, _) = Coordinate(simulation.Scenario, () => simulation, sources, nodes, port, progress, log, out cost, joinTimeout, bounds);
        return (outcome, facts);
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> (loaded from <paramref name="sources"/>) as <see
    /// cref="Coordinate(Simulation, ScenarioSources, int, int, Action{long}?, TextWriter?, RunBounds?)"/>
    /// does, building only node 0's components, and only once the cluster is open: the workers join
    /// and build their own chips meanwhile. Returns node 0's simulation too, from which the report
    /// is built (<see cref="RunReport.Build(Simulation, RunFacts, RunOutcome, string, int)"/>: the
    /// scenario-level parts and the reclaimer are node 0's).
    /// </summary>
    public static (RunOutcome Outcome, RunFacts Facts, Simulation Simulation) Coordinate(Scenario scenario, ScenarioSources sources, int nodes, int port,
        Action<long>? progress, TextWriter? log, out ClusterCost cost, TimeSpan? joinTimeout = null, RunBounds? bounds = null) =>
        Coordinate(scenario, () => new Simulation(scenario, keepTrace: false, builds: ClusterEngine.Hosts(scenario, 0, nodes)),
            sources, nodes, port, progress, log, out cost, joinTimeout, bounds);

    private static (RunOutcome Outcome, RunFacts Facts, Simulation Simulation) Coordinate(Scenario scenario, Func<Simulation> build,
        ScenarioSources sources, int nodes, int port, Action<long>? progress, TextWriter? log, out ClusterCost cost, TimeSpan? joinTimeout, RunBounds? bounds)
    {
        bounds ??= RunBounds.Default;
        var cancel = bounds.Cancel;
        long end = scenario.End;
        if (scenario.Topology.ChipCount < nodes)
            throw new InvalidOperationException($"a run on {nodes} nodes needs at least {nodes} chips; this topology has {scenario.Topology.ChipCount}");
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Stopped without leaving the cluster: the workers have their EndRun by then (or the run failed and
        // they must notice it), and a coordinated leave whose members are all going waits out its phases' timeouts.
        var system = ActorSystem.Create("actorgic", ProcessSetup(port, $"127.0.0.1:{port}", log,
            ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off")));
        double listening = started.Elapsed.TotalSeconds;
        ClusterCost? measured = null;
        var stopping = new System.Diagnostics.Stopwatch();
        try
        {
            var cluster = Cluster.Get(system);
            string scenarioText = sources.Pack();
            var scenarioHash = ClusterHandshake.Hash(scenarioText, scenario.Seed.ToString());
            var workers = new TaskCompletionSource<Address[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var assignment = new AssignNode(0, nodes, scenarioText, sources.Name, Path.GetDirectoryName(sources.Main)!, scenario.Seed, scenarioHash);
            WireBudget.CheckFits(system, assignment, "the scenario a worker node receives");
            var coordinator = system.ActorOf(Props.Create(() => new CoordinatorActor(nodes, assignment, workers, lost)), "coordinator");
            log?.WriteLine($"actorgic: coordinator at akka.tcp://actorgic@127.0.0.1:{port}, waiting for {nodes - 1} node(s)");

            var watch = System.Diagnostics.Stopwatch.StartNew();
            // Node 0's part, built while the workers join and build theirs.
            var simulation = build();
            var layout = simulation.Layout;
            // Node 0's components and keeper live here, created while the workers create theirs; every other node's on its worker.
            var nodeOf = ClusterEngine.NodesOf(layout, nodes);
            var local = new Dictionary<int, IActorRef>();
            foreach (var component in simulation.Built)
                if (nodeOf[component.Id] == 0) local[component.Id] = system.ActorOf(ComponentActor.Props(component), $"c{component.Id}");
            var keepers = new IActorRef[nodes];
            var horizons = new Horizons(layout, simulation.Scenario.Timing, simulation.CpuAtomics);
            var clock = new WindowClock();
            var lookahead = ClusterEngine.Lookahead(layout, horizons, nodes);
            // Node 0's keeper reports a failure before its start to the root, as every worker's does.
            keepers[0] = system.ActorOf(NodeKeeperActor.Props(0, local, nodeOf, lookahead, horizons,
                new RootActorPath(cluster.SelfAddress) / "user" / "root-keeper", clock, progress), "node-keeper");
            // The NMI broker's registry lives on the coordinator too (never a migrating singleton); it is not on the data path.
            if (simulation.Mux is { } mux) system.ActorOf(NmiBrokerActor.Props(mux.Broker.Copy(), mux.Sgi), "nmi-broker");
            double built = watch.Elapsed.TotalSeconds;
            var joinWait = joinTimeout ?? JoinTimeout;
            try
            {
                Task.WaitAny([workers.Task, lost.Task], (int)Math.Max(0, (joinWait - watch.Elapsed).TotalMilliseconds), cancel);
            }
            catch (OperationCanceledException)
            {
                throw new RunInterruptedException(0, end);
            }
            if (lost.Task.IsCompleted) throw new RunAbortedException(0, $"{lost.Task.Result} before the run started");
            if (!workers.Task.IsCompleted)
                throw new RunAbortedException(0, $"only {nodes - 1 - RemainingJoins(coordinator)} of {nodes - 1} worker node(s) registered within {joinWait.TotalSeconds:F0} s");
            var addresses = workers.Task.Result;
            double ready = watch.Elapsed.TotalSeconds;
            log?.WriteLine($"actorgic: {nodes - 1} worker node(s) ready after {ready:F1} s");

            var provider = ((ExtendedActorSystem)system).Provider;
            for (int n = 1; n < nodes; n++)
                keepers[n] = provider.ResolveActorRef(new RootActorPath(addresses[n]) / "user" / "worker" / "node-keeper");
            var root = system.ActorOf(RootKeeperActor.Props(keepers, nodeOf, simulation.InitialEvents(), clock, lookahead), "root-keeper");

            var done = RunWait.Finish(root.Ask<RunFinished>(new RunTo(end), Timeout.InfiniteTimeSpan), clock, end, bounds,
                "a node stopped answering", lost.Task);
            double ran = watch.Elapsed.TotalSeconds;
            log?.WriteLine($"actorgic: {done.Windows} windows run after {watch.Elapsed.TotalSeconds:F1} s; collecting the nodes' results");

            // The workers' facts first, so they drain and encode theirs while this node does its own; each is
            // decoded as it arrives. A worker's facts may be larger than a frame: they come in parts (WireBudget),
            // each collector waits for the last.
            var remote = Enumerable.Range(1, nodes - 1)
                .Select(n => CollectFacts(system, system.ActorSelection(new RootActorPath(addresses[n]) / "user" / "worker"))
                    .ContinueWith(t => (Facts: RunFacts.FromBytes(t.Result.Facts), Node: t.Result), TaskContinuationOptions.ExecuteSynchronously))
                .ToArray();
            // Everything still held: the root's undelivered batches, each keeper's inbox, each component's queue.
            var inFlight = new List<SimEvent>(done.Undelivered);
            inFlight.AddRange(RunWait.Collect([DrainCollector.Drain(system, local.Values, keepers[0])], done.ReachedNs, end, bounds,
                "the coordinator's node").Single());
            var facts = RunFacts.Of(simulation, id => nodeOf[id] == 0);
            // Bounded like every wait: a worker that is alive but never sends its results ends the run after the watchdog.
            foreach (var r in RunWait.Collect(remote, done.ReachedNs, end, bounds, "a worker node"))
            {
                facts.Merge(r.Facts);
                inFlight.AddRange(r.Node.Remaining);
            }
            log?.WriteLine($"actorgic: results collected after {watch.Elapsed.TotalSeconds:F1} s");
            var peaks = new[] { System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 }.Concat(remote.Select(r => r.Result.Node.PeakBytes)).ToArray();
            cost = measured = new ClusterCost(ready, ran - ready, watch.Elapsed.TotalSeconds - ran, peaks, done.Windows, clock.RemoteMessages, built)
                { Clock = clock, StartSeconds = listening };
            stopping.Start();
            coordinator.Tell(EndRun.Instance);
            // Each worker acknowledges its EndRun before it stops: then the transport may close. One that does not
            // within the bound notices the coordinator is gone and stops by itself.
            var ended = addresses.Skip(1)
                .Select(address => system.ActorSelection(new RootActorPath(address) / "user" / "worker").Ask<EndRun>(EndRun.Instance, EndRunBound))
                .ToArray();
            try
            {
                Task.WaitAll(ended, EndRunBound);
            }
            catch (AggregateException)
            {
                // bounded: a worker that did not acknowledge is on its own
            }
            var outcome = new RunOutcome(done.ReachedNs, done.Events, inFlight, Windows: done.Windows, ComponentRuns: done.ComponentRuns);
            return (outcome, facts, simulation);
        }
        finally
        {
            var terminated = system.Terminate();
            // A finished run's caller builds its report meanwhile (ClusterCost.Stopped); a failed one waits here, bounded.
            if (measured is { } run)
                run.Stopped = terminated.ContinueWith(_ => run.ShutdownSeconds = stopping.Elapsed.TotalSeconds, TaskContinuationOptions.ExecuteSynchronously);
            else terminated.Wait(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>How long the coordinator waits for the workers to acknowledge the end of the run.</summary>
    private static readonly TimeSpan EndRunBound = TimeSpan.FromSeconds(2);

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
    private static Task<NodeFacts> CollectFacts(ActorSystem system, ActorSelection worker)
    {
        var done = new TaskCompletionSource<NodeFacts>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new NodeFactsCollector(worker, done)));
        return done.Task;
    }

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
}
