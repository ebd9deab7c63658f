using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The project's main oracle: the same scenario and seed give the same report (every count,
/// latency, table and the digest over every sample) on the reference engine and on the actor
/// engine, with one simulation thread or several. (The reference report of every shipped scenario
/// is held against its committed golden copy in ActorGic.Engine.Tests.)
/// </summary>
public class DeterminismTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    public static TheoryData<string> ShippedScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.conf").Order())
            if (Path.GetFileName(file) != "topology-2x4.conf") data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void Shipped_scenario_has_one_report_on_both_engines_and_any_thread_count(string file)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        var reference = Reference(scenario);
        Assert.True(reference.InvariantsOk, string.Join("; ", reference.Violations));
        Assert.Equal(0, reference.Totals.Lost);

        var oneThread = Sys.RunScenario(scenario);
        ReportComparison.AssertSameReport(reference, oneThread, $"{file}: actors, 1 thread");
        Assert.Equal(reference.Digest, oneThread.Digest);

        var sim = new Simulation(scenario, keepTrace: false);
        var twoThreads = RunReport.Build(sim, ActorEngine.Run(sim, scenario.End, threads: 2), "actors");
        ReportComparison.AssertSameReport(reference, twoThreads, $"{file}: actors, 2 threads");
    }

    [Fact]
    public void Random_scenarios_give_the_same_digest_on_both_engines()
    {
        var action = Gen.Select(Gen.Int[0, 5], Gen.Long[0, 20_000], Gen.Int[0, 1_000], Gen.Int[0, 15], Gen.Int[0, 255])
            .Select(t => (Verb: t.Item1, At: t.Item2, Cpu: t.Item3, Intid: t.Item4, Value: t.Item5));
        var gen = Gen.Select(Gen.Int[2, 20], Gen.Int[1, 8], Gen.Long[0, 1_000], Gen.Bool, action.Array[1, 25]);
        gen.Sample(t =>
        {
            var (cpus, perCluster, seed, preemptible, actions) = t;
            var b = new ScenarioBuilder(cpus, perCluster, clustersPerChip: 2).WithSeed(seed).WithPreemptibleHandlers(preemptible);
            foreach (var a in actions)
            {
                int cpu = a.Cpu % cpus;
                _ = a.Verb switch
                {
                    0 => b.Sgi(a.At, cpu, a.Intid, TargetSet.List(Enumerable.Range(0, cpus).Where(c => (a.Value >> (c % 8) & 1) == 1).DefaultIfEmpty(cpu))),
                    1 => b.SgiIrm(a.At, cpu, a.Intid),
                    2 => b.IrqOff(a.At, cpu, forNs: 1 + a.Value * 20),
                    3 => b.SetPriority(a.At, cpu, a.Intid, a.Value),
                    4 => b.Enable(a.At, cpu, a.Intid, enabled: a.Value % 3 != 0),
                    _ => b.Traffic(a.At, a.Intid, rate: 200_000 + a.Value * 1_000, until: a.At + 5_000),
                };
            }
            var scenario = b.Build(end: 40_000);
            var reference = Reference(scenario);
            var actors = Sys.RunScenario(scenario);
            return ReportComparison.Canonical(reference) == ReportComparison.Canonical(actors)
                && reference.InvariantsOk && reference.Totals.Lost == 0;
        }, iter: 40);
    }

    private static RunReport Reference(Scenario scenario)
    {
        var sim = new Simulation(scenario, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
    }
}
