using Akka.Actor;
using Akka.Cluster;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

public static partial class ProcessCluster
{
    /// <summary>
    /// <c>actorgic node</c>: joins the coordinator's cluster, registers, builds its node's
    /// components when assigned (from the scenario sources the coordinator sent: a worker reads no
    /// scenario file of its own), and answers for them until the run ends. Returns the exit code:
    /// 0 after a run, 2 when refused, 3 when no coordinator took it within
    /// <paramref name="joinTimeout"/> (default <see cref="WorkerJoinTimeout"/>), when it could not
    /// build its part or when the coordinator is lost. A cancelled token stops it with
    /// <see cref="OperationCanceledException"/> (its coordinator then loses the node).
    /// </summary>
    public static int Work(string seed, int port, TextWriter log, TimeSpan? joinTimeout = null, CancellationToken cancel = default,
        Func<AssignNode, Simulation>? build = null)
    {
        var wait = joinTimeout ?? WorkerJoinTimeout;
        var system = ActorSystem.Create("actorgic", ProcessSetup(port, seed, log));
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            system.ActorOf(Props.Create(() => new WorkerActor(seed, build ?? Build, exit, taken, log)), "worker");
            if (Task.WaitAny([taken.Task, exit.Task], (int)wait.TotalMilliseconds, cancel) < 0)
            {
                log.WriteLine($"actorgic: no coordinator at {seed} took this node within {RunWait.Seconds(wait)} s; it stops");
                return 3;
            }
            exit.Task.Wait(cancel);
            return exit.Task.Result;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException(taken.Task.IsCompletedSuccessfully && taken.Task.Result > 0
                ? $"node {taken.Task.Result} stops" : "the node stops before it joined a run", cancel);
        }
        finally
        {
            Cluster.Get(system).Leave(Cluster.Get(system).SelfAddress);
            ActorEngine.Stop(system);
        }
    }

    /// <summary>A worker's part of the simulation: the coordinator's scenario sources, loaded from them alone, and only the components of its own chips.</summary>
    public static Simulation Build(AssignNode a)
    {
        var scenario = ScenarioSources.Unpack(a.ScenarioText).Load(a.Seed);
        return new Simulation(scenario, keepTrace: false, builds: ClusterEngine.Hosts(scenario, a.Node, a.Nodes));
    }

    private static double SinceStart() =>
        (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds;

    private sealed class WorkerActor : ReceiveActor
    {
        private sealed record FactsReady(IActorRef To, NodeFacts Facts);

        private Simulation? _simulation;
        private Dictionary<int, IActorRef> _components = new();
        private IActorRef? _keeper;
        private int _node = -1;

        public WorkerActor(string seed, Func<AssignNode, Simulation> build, TaskCompletionSource<int> exit, TaskCompletionSource<int> taken,
            TextWriter log)
        {
            double listening = SinceStart();
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
                taken.TrySetResult(-1);
                exit.TrySetResult(2);
            });
            Receive<AssignNode>(a =>
            {
                taken.TrySetResult(a.Node);
                if (ClusterHandshake.Hash(a.ScenarioText, a.Seed.ToString()) != a.ScenarioHash)
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
                double assigned = SinceStart();
                try
                {
                    _simulation = build(a);
                }
                catch (Exception e) when (e is ScenarioException or FormatException or InvalidOperationException)
                {
                    log.WriteLine($"actorgic: node {a.Node} could not build its part of \"{a.ScenarioName}\": {e.Message.ReplaceLineEndings(" ")}");
                    exit.TrySetResult(3);
                    return;
                }
                double built = SinceStart();
                var layout = _simulation.Layout;
                foreach (var component in _simulation.Built)
                    if (ClusterEngine.NodeOf(layout, component.Id, a.Nodes) == a.Node)
                        _components[component.Id] = Context.ActorOf(ComponentActor.Props(component), $"c{component.Id}");
                var horizons = new Horizons(layout, _simulation.Scenario.Timing, _simulation.CpuAtomics);
                _keeper = Context.ActorOf(NodeKeeperActor.Props(a.Node, _components, ClusterEngine.NodesOf(layout, a.Nodes),
                    ClusterEngine.Lookahead(layout, horizons, a.Nodes), horizons, new RootActorPath(coordinatorAddress) / "user" / "root-keeper"), "node-keeper");
                // Where a worker's start-up goes (seconds since its process started): joining, building its chips, creating their actors.
                log.WriteLine($"actorgic: node {a.Node} of {a.Nodes}: {_components.Count} components of \"{a.ScenarioName}\" " +
                              $"(listening at {listening:F2} s, assigned at {assigned:F2} s, built at {built:F2} s, ready at {SinceStart():F2} s)");
                Sender.Tell(new NodeReady(a.Node));
            });
            Receive<GetNodeFacts>(_ =>
            {
                var sender = Sender;
                var sim = _simulation!;
                var hosted = _components;
                int node = _node;
                DrainCollector.Drain(Context, hosted.Values, _keeper!).ContinueWith(t =>
                    new FactsReady(sender, new NodeFacts(node, RunFacts.Of(sim, hosted.ContainsKey).ToBytes(), t.Result,
                        System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64))).PipeTo(Self);
            });
            // Sent from here, in order: the coordinator's collector puts the parts back together.
            var config = Context.System.Settings.Config;
            Receive<FactsReady>(r =>
            {
                foreach (var part in WireBudget.Split(r.Facts, WireBudget.BytesPerMessage(config), WireBudget.EventsPerMessage(config)))
                    r.To.Tell(part);
            });
            Receive<EndRun>(_ =>
            {
                Sender.Tell(EndRun.Instance); // the coordinator closes its transport once every worker has acknowledged
                exit.TrySetResult(0);
            });
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
                log.WriteLine(_node > 0 ? $"actorgic: the coordinator was lost ({how}); node {_node} stops"
                    : $"actorgic: the coordinator was lost ({how}) before it gave this node a part; it stops");
                exit.TrySetResult(3);
            }
        }
    }
}
