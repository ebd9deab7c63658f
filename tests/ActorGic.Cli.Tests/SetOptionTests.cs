using System.Text.Json;
using ActorGic.Scenarios;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary><c>actorgic run --set PATH=VALUE</c>: keys set from the command line over the scenario and the defaults.</summary>
public sealed class SetOptionTests
{
    private static string Scenario(string name) => Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", name);

    private static string Digest(string output) => output.Split('\n').Single(l => l.StartsWith("digest:", StringComparison.Ordinal));

    private static string GoldenDigest(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RunCommandTests.RepoRoot(), "tests", "golden", name)));
        return $"digest: {doc.RootElement.GetProperty("digest").GetString()}";
    }

    /// <summary>backtrace-hung-cpu-nmi-none.conf is backtrace-hung-cpu.conf with another name and gic.nmi = none: so are two --set.</summary>
    [Fact]
    public void Two_sets_turn_one_shipped_scenario_into_another()
    {
        var (exit, output, error) = Run("run", Scenario("backtrace-hung-cpu.conf"), "--engine", "reference",
            "--set", "gic.nmi=none", "--set", "scenario.name=\"backtrace with a hung CPU (no NMI)\"");
        Assert.Equal((0, ""), (exit, error));
        Assert.StartsWith("backtrace with a hung CPU (no NMI)\n", output);
        Assert.Contains("GIC: no NMIs", output);
        Assert.Equal(GoldenDigest("backtrace-hung-cpu-nmi-none.json"), Digest(output));
    }

    /// <summary>In-process nodes build the scenario with the overrides too: two chips from a --set, and the reference digest.</summary>
    [Fact]
    public void Two_nodes_give_the_reference_digest_with_a_set()
    {
        string[] sets = ["--set", "gic.nmi=none", "--set", "actorgic.timing.chip-to-chip=3us", "--set", "scenario.topology.clusters-per-chip=1"];
        var reference = Run(["run", Scenario("backtrace-hung-cpu.conf"), "--engine", "reference", .. sets]);
        var nodes = Run(["run", Scenario("backtrace-hung-cpu.conf"), "--nodes", "2", .. sets]);
        Assert.Equal((0, 0), (reference.Exit, nodes.Exit));
        Assert.Contains("topology: 16 CPUs, 2 chips, 2 clusters", reference.Out);
        Assert.Equal(Digest(reference.Out), Digest(nodes.Out));
        Assert.NotEqual(GoldenDigest("backtrace-hung-cpu-nmi-none.json"), Digest(reference.Out));
    }

    private static Engine.Scenario Load(string text, params string[] sets) =>
        ScenarioSources.FromText(text).WithOverrides(ScenarioOverrides.Parse(sets)).Load();

    /// <summary>A default (actorgic.X), the scenario's own key (scenario.X) and a bare path (X, under scenario) all win over the file.</summary>
    [Fact]
    public void A_set_wins_over_the_scenario_and_the_defaults()
    {
        const string Text = "scenario {\n seed = 3, end = 10us\n timing { chip-to-chip = 700ns }\n gic { eoi-mode = 1 }\n}";
        var plain = Load(Text);
        Assert.Equal((3L, 700L, 60L, true), (plain.Seed, plain.Timing.ChipToChip, plain.Timing.RemoteAtomic, plain.Gic.EoiMode));
        var set = Load(Text, "actorgic.timing.chip-to-chip=3us", "timing.remote-atomic=80ns", "seed=99", "actorgic.run.end=20us",
            "scenario.gic={ nmi = none }", "topology.numbering=interleaved", "topology.cpus=12", "topology.cpus-per-cluster=4");
        Assert.Equal((99L, 20_000L, 3_000L, 80L), (set.Seed, set.End, set.Timing.ChipToChip, set.Timing.RemoteAtomic));
        // A block merges into the file's: eoi-mode stays, nmi is set.
        Assert.Equal((true, Engine.NmiMode.None), (set.Gic.EoiMode, set.Gic.Nmi));
        Assert.Equal(0x100UL, set.Topology.MpidrOf(1).Value);
        // The last of two sets of one key wins, as in a HOCON file.
        Assert.Equal(5, Load(Text, "seed=4", "scenario.seed=5").Seed);
    }

    [Fact]
    public void Overrides_travel_with_the_packed_sources()
    {
        var sources = ScenarioSources.FromText("scenario { end = 10us }").WithOverrides(ScenarioOverrides.Parse(["gic.nmi=none", "seed=12"]));
        var unpacked = ScenarioSources.Unpack(sources.Pack());
        Assert.Equal(["gic.nmi=none", "seed=12"], unpacked.Overrides.Arguments);
        Assert.Equal((12L, Engine.NmiMode.None), (unpacked.Load().Seed, unpacked.Load().Gic.Nmi));
    }

    [Theory]
    [InlineData("scenario.seed", "--set scenario.seed: expected PATH=VALUE, e.g. scenario.gic.nmi=none")]
    [InlineData("scenario.seed=", "--set scenario.seed=: no value after =")]
    [InlineData("scenario.seed=1\nscenario.end=1s", "--set scenario.seed=1\\nscenario.end=1s: one line only: a value cannot hold a line break or control character")]
    [InlineData("scenario actions=[]", "--set scenario actions=[]: \"scenario actions\" is not a key path (names of letters, digits, - and _, joined by dots: scenario.gic.nmi)")]
    [InlineData("scenario.actions[0].cpu=1", "--set scenario.actions[0].cpu=1: \"scenario.actions[0].cpu\" is not a key path (names of letters, digits, - and _, joined by dots: scenario.gic.nmi)")]
    [InlineData("=5", "--set =5: \"\" is not a key path (names of letters, digits, - and _, joined by dots: scenario.gic.nmi)")]
    [InlineData("scenario.seed=[1", "--set scenario.seed=[1: malformed HOCON: '[' opened on line 1 is never closed")]
    [InlineData("scenario.seed=1, scenario.end=1s", "--set scenario.seed=1, scenario.end=1s: sets more than scenario.seed: give one value (quote a string that holds a comma)")]
    [InlineData("scenario.seed=${scenario.end}", "--set scenario.seed=${scenario.end}: unresolved substitution ${scenario.end}: no such key")]
    [InlineData("actorgic=1", "--set actorgic=1: name a key, not a block of defaults: actorgic.{timing,gic,kernel,reclaim,invariants,run}.KEY")]
    [InlineData("actorgic.run={seed=1}", "--set actorgic.run={seed=1}: name a key, not a block of defaults: actorgic.run.seed or actorgic.run.end")]
    [InlineData("actorgic.run.speed=1", "--set actorgic.run.speed=1: actorgic.run has seed and end only")]
    public void A_malformed_set_is_refused_naming_it(string argument, string expected)
    {
        var (exit, output, error) = Run("run", Scenario("self-sgi.conf"), "--set", argument);
        Assert.Equal((2, "", $"actorgic: {expected}\n"), (exit, output, error));
    }

    /// <summary>The loader's own checks fire on a set key, and its error names the --set as well as the path.</summary>
    [Theory]
    [InlineData("gic.nmi=sometimes", "--set gic.nmi=sometimes: scenario.gic.nmi: \"sometimes\" is not pseudo, architected or none")]
    [InlineData("actorgic.timing.chip-to-chips=3us", "--set actorgic.timing.chip-to-chips=3us: scenario.timing.chip-to-chips: unknown key (known: cpu-to-distributor, distributor-to-redistributor, chip-to-chip, redistributor-to-cpu, cpu-to-redistributor, sgi-write, exception-entry, handler, remote-atomic, remote-atomic-across-chips, call-function-item, ipi-handlers, mmio-write, reclaim-issue)")]
    [InlineData("bogus.key=1", "--set bogus.key=1: scenario.bogus: unknown key (known: name, seed, end, topology, gic, kernel, timing, nmi-users, reclaim, invariants, actions)")]
    [InlineData("topology.cpus=0", "--set topology.cpus=0: scenario.topology.cpus: must be 1 to 65536, not 0")]
    [InlineData("actions=5", "--set actions=5: scenario.actions: expected a list")]
    [InlineData("scenario=5", "--set scenario=5: scenario: missing: a scenario file has one scenario { ... } block")]
    public void A_set_the_loader_refuses_is_named(string argument, string expected)
    {
        var (exit, _, error) = Run("run", Scenario("target-list.conf"), "--set", argument);
        Assert.Equal((2, $"actorgic: {expected}\n"), (exit, error));
    }

    /// <summary>An error elsewhere in the scenario is the scenario's, as without --set.</summary>
    [Fact]
    public void An_error_away_from_every_set_path_is_not_blamed_on_a_set()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("scenario { end = 10us, actions = [ { at = 1us, cpu = 7, do = hang } ] }", "topology.cpus=4"));
        Assert.Equal("scenario.actions[0].cpu: CPU 7 does not exist (cpus = 4)", e.Message);
    }
    /// <summary>A handler time for a name no handler is looked up by is refused, from a --set and from a file alike: exit 2, one line naming the path.</summary>
    [Fact]
    public void An_ipi_handler_time_for_an_unknown_ipi_is_refused_from_a_set_and_from_a_file()
    {
        const string Refusal = "scenario.timing.ipi-handlers.BOGUS: BOGUS is not an IPI of linux-6.12 (RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, CPU_BACKTRACE, KGDB_ROUNDUP)";
        var set = Run("run", Scenario("stop-hung-cpu-6.12.conf"), "--set", "timing.ipi-handlers.BOGUS=1us");
        Assert.Equal((2, "", $"actorgic: --set timing.ipi-handlers.BOGUS=1us: {Refusal}\n"), set);
        var dir = Directory.CreateTempSubdirectory("actorgic-ipi-handlers").FullName;
        try
        {
            string file = Path.Combine(dir, "bogus.conf");
            File.WriteAllText(file, $"include \"{Scenario("stop-hung-cpu-6.12.conf")}\"\nscenario.timing.ipi-handlers {{ BOGUS = 1us }}\n");
            Assert.Equal((2, "", $"actorgic: {Refusal}\n"), Run("run", file));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
