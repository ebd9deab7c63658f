using System.Text;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The reclaimer's property: random interleavings of IPI traffic, masked stretches, hung CPUs,
/// backtraces, SGI requests, sends on granted slots and releases never lose, misroute or
/// double-own (the invariant checker is on in every run), and give one report on both engines;
/// on 1 to 4 chips, with a chip-to-chip link of 300 ns or 2 us, so old-path writes are still
/// crossing chips when a reclaim switches their senders (what the fence and the margin are for).
/// </summary>
public class ReclaimPropertyTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static readonly string[] Profiles = ["linux-6.1", "linux-6.7", "linux-6.12"];
    private static readonly string[] Nmis = ["pseudo", "architected", "none"];
    private static readonly string[] Traffic = ["RESCHEDULE", "CALL_FUNC", "TIMER"];
    private static readonly string[] Stances = ["default", "refuses", "pinned"];
    private static readonly string[] Purposes = ["pa", "pb"];

    private record struct Step(int Verb, long At, int Cpu, int Pick, int Value);

    private static string Hocon(int cpus, int chips, bool slowLink, int profile, int nmi, bool perCpu, bool broker, int timer, int irqWork, long seed,
        Step[] steps)
    {
        var actions = new StringBuilder();
        var requested = new HashSet<string>();
        foreach (var s in steps.OrderBy(s => s.At))
        {
            int cpu = s.Cpu % cpus;
            string purpose = Purposes[s.Pick % Purposes.Length];
            string at = $"{s.At}ns";
            string line = s.Verb switch
            {
                0 => $"{{ at = {at}, cpu = {cpu}, do = traffic, ipi = {Traffic[s.Pick % Traffic.Length]}, rate = {100_000 + s.Value * 2_000}, until = {s.At + 20_000}ns }}",
                1 => $"{{ at = {at}, cpu = {cpu}, do = irq-off, for = {1 + s.Value * 50}ns }}",
                2 when s.Value % 4 == 0 => $"{{ at = {at}, cpu = {cpu}, do = hang }}",
                3 => $"{{ at = {at}, cpu = {cpu}, do = ipi, ipi = IRQ_WORK, to = self }}",
                4 => $"{{ at = {at}, cpu = {cpu}, do = backtrace, to = all-but-self }}",
                5 when requested.Contains(purpose) => $"{{ at = {at}, cpu = {cpu}, do = ipi, ipi = {purpose}, to = all-but-self }}",
                6 when requested.Contains(purpose) => $"{{ at = {at}, cpu = {cpu}, do = release-sgi, purpose = {purpose} }}",
                _ => $"{{ at = {at}, cpu = {cpu}, do = request-sgi, purpose = {purpose}, nmi = {(nmi != 2 && purpose == "pa" ? "true" : "false")} }}",
            };
            if (line.Contains("request-sgi")) requested.Add(purpose);
            actions.AppendLine("    " + line);
        }
        return $$"""
            scenario {
              seed = {{seed}}
              end = 150us
              topology { cpus = {{cpus}}, cpus-per-cluster = {{(cpus + chips - 1) / chips}}, clusters-per-chip = 1 }
              timing { chip-to-chip = {{(slowLink ? "2us" : "300ns")}} }
              gic { nmi = {{Nmis[nmi]}} }
              kernel { profile = {{Profiles[profile]}} }
              {{(broker ? "nmi-users = [ { name = probe, priority = 3 } ]" : "")}}
              reclaim {
                reprogram = {{(perCpu ? "per-cpu" : "mmio")}}
                drain-bound = 20us
                owners { TIMER = {{Stances[timer]}}, IRQ_WORK = {{Stances[irqWork]}} }
              }
              actions = [
            {{actions}}  ]
            }
            """;
    }

    [Fact]
    public void Random_interleavings_with_requests_and_releases_lose_and_misroute_nothing_on_either_engine()
    {
        var step = Gen.Select(Gen.Int[0, 7], Gen.Long[0, 100_000], Gen.Int[0, 100], Gen.Int[0, 10], Gen.Int[0, 100])
            .Select(t => new Step(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));
        var config = Gen.Select(Gen.Int[2, 10], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2]);
        var chips = Gen.Select(Gen.Int[1, 4], Gen.Bool);
        Gen.Select(config, chips, Gen.Long[0, 1_000], step.Array[1, 16]).Sample(t =>
        {
            var ((cpus, profile, nmi, perCpu, broker, timer, irqWork), (chipCount, slowLink), seed, steps) = t;
            Scenario scenario;
            string hocon = Hocon(cpus, Math.Min(chipCount, cpus), slowLink, profile, nmi, perCpu, broker, timer, irqWork, seed, steps);
            try
            {
                scenario = ScenarioLoader.LoadText(hocon);
            }
            catch (ScenarioException e) when (e.Message.Contains("no SGI for the NMI broker"))
            {
                return true; // the broker could not get a slot at boot: refused before the run, as it must be
            }
            var sim = new Simulation(scenario, keepTrace: false);
            var reference = RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
            var actors = Sys.RunScenario(scenario);
            bool clean = reference.InvariantsOk && reference.Totals.Lost == 0
                && reference.PerIpi.Values.All(c => c.Lost == 0) && reference.PerNmiUser.Values.All(c => c.Lost == 0);
            if (!clean) throw new Xunit.Sdk.XunitException(string.Join("; ", reference.Violations.Take(3)) + "\n" + hocon);
            return ReportComparison.Canonical(reference) == ReportComparison.Canonical(actors);
        }, iter: 200);
    }
}
