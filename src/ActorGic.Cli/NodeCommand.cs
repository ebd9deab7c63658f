using System.CommandLine;
using ActorGic.Actors;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic node --seed HOST:PORT</c>: a worker process of a clustered run. It joins the
/// coordinator's Akka.Cluster (the <c>actorgic run --nodes N --listen PORT</c> process), passes the
/// configuration handshake, builds the components of the chips it is given from the scenario
/// texts the coordinator sends (it reads no scenario file) and runs them until the run ends.
/// Exit codes: 0 after a run, 2 when refused, 3 when no coordinator took it within
/// <c>--join-timeout</c> or the coordinator is lost, 130 when interrupted.
/// </summary>
public static class NodeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var seed = new Option<string>("--seed") { Description = "the coordinator's HOST:PORT", Required = true };
        var port = new Option<int>("--port") { Description = "this node's port (0: any free port)", DefaultValueFactory = _ => 0 };
        var joinTimeout = new Option<string>("--join-timeout")
        {
            Description = "give up (exit 3) when no coordinator has taken this node within this time, e.g. 30s",
            DefaultValueFactory = _ => $"{ProcessCluster.WorkerJoinTimeout.TotalSeconds:0.###}s",
        };
        var node = new Command("node", "Join a clustered run as a worker node.") { seed, port, joinTimeout };
        node.SetAction((parse, cancel) =>
        {
            string seedAddress = parse.GetValue(seed)!;
            var parts = seedAddress.Split(':');
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], out int seedPort) || seedPort is < 1 or > 65535)
                throw new ScenarioException("--seed", $"\"{seedAddress}\" is not HOST:PORT");
            int own = parse.GetValue(port);
            if (own is < 0 or > 65535) throw new ScenarioException("--port", $"{own} is not a TCP port (0-65535)");
            long ns = Duration.ParseNs(parse.GetValue(joinTimeout)!, "--join-timeout");
            if (ns is < 1_000_000 or > 86_400_000_000_000)
                throw new ScenarioException("--join-timeout", $"{parse.GetValue(joinTimeout)} is not a time from 1ms to 24h");
            return Task.FromResult(ProcessCluster.Work(seedAddress, own, error, TimeSpan.FromTicks(ns / 100), cancel));
        });
        return node;
    }
}
