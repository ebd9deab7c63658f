using System.CommandLine;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic node --seed HOST:PORT</c>: a worker process of a clustered run. It joins the
/// coordinator's Akka.Cluster (the <c>actorgic run --nodes N --listen PORT</c> process), passes the
/// configuration handshake, builds the components of the chips it is given and runs them until
/// the run ends. Exit codes: 0 after a run, 2 when refused, 3 when the coordinator is lost.
/// </summary>
public static class NodeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var seed = new Option<string>("--seed") { Description = "the coordinator's HOST:PORT", Required = true };
        var port = new Option<int>("--port") { Description = "this node's port (0: any free port)", DefaultValueFactory = _ => 0 };
        var node = new Command("node", "Join a clustered run as a worker node.") { seed, port };
        node.SetAction(parse =>
        {
            string seedAddress = parse.GetValue(seed)!;
            var parts = seedAddress.Split(':');
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], out int seedPort) || seedPort is < 1 or > 65535)
                throw new ScenarioException("--seed", $"\"{seedAddress}\" is not HOST:PORT");
            int own = parse.GetValue(port);
            if (own is < 0 or > 65535) throw new ScenarioException("--port", $"{own} is not a TCP port (0-65535)");
            return ProcessCluster.Work(seedAddress, own, Build, error);
        });
        return node;
    }

    /// <summary>The node's copy of the simulation: the coordinator's scenario text, includes resolved where it lives.</summary>
    private static Simulation Build(AssignNode a) =>
        new(ScenarioLoader.Load(HoconFile.Parse(a.ScenarioText, a.ScenarioName, a.Directory), a.ScenarioName, a.Seed), keepTrace: false);
}
