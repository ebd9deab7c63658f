using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>Scenario files: what is accepted, and every invalid field named by its HOCON path.</summary>
public class ScenarioLoaderTests
{
    private const string Valid = """
        scenario {
          name = "t"
          seed = 7
          end = 500us
          topology { cpus = 8, cpus-per-cluster = 4, clusters-per-chip = 2 }
          gic { priority-bits = 5, eoi-mode = 1, nmi = pseudo, security = one, ns-sgis = 8 }
          kernel { profile = none }
          timing { handler = 1us }
          actions = [
            { at = 10us, cpu = 1, do = sgi, intid = 1, to = [0, 2, 4, 6] }
            { at = 20us, cpu = 1, do = sgi, intid = 1, irm = on }
            { at = 40us, cpu = 3, do = irq-off, for = 50us }
            { at = 40us, cpu = 5, do = hang }
            { at = 70us, cpu = 0, do = traffic, intid = 2, rate = 100000, cpus = all, until = 300us }
            { at = 80us, cpu = 2, do = set-priority, intid = 3, priority = 0x40 }
          ]
        }
        """;

    [Fact]
    public void Valid_scenario_loads_with_every_field()
    {
        var s = ScenarioLoader.LoadText(Valid);
        Assert.Equal("t", s.Name);
        Assert.Equal(7, s.Seed);
        Assert.Equal(500_000, s.End);
        Assert.Equal(8, s.Topology.CpuCount);
        Assert.Equal(0x101UL, s.Topology.MpidrOf(5).Value);
        Assert.True(s.Gic.EoiMode);
        Assert.Equal(1_000, s.Timing.Handler);
        Assert.Equal(40, s.Timing.CpuToDistributor); // default from hocon/actorgic.conf
        Assert.Equal(6, s.Actions.Count);
        Assert.Equal([0, 2, 4, 6], s.Actions[0].To!.Cpus);
        Assert.True(s.Actions[1].Irm);
        Assert.Equal(50_000, s.Actions[2].For);
        Assert.Equal(100_000, s.Actions[4].Rate);
        Assert.Equal(300_000, s.Actions[4].Until);
        Assert.Equal(0x40, s.Actions[5].Priority);
    }

    [Fact]
    public void Seed_on_the_command_line_overrides_the_file() => Assert.Equal(99, ScenarioLoader.LoadText(Valid, 99).Seed);

    [Theory]
    [InlineData("scenario { end = 1ms, bogus = 1 }", "scenario.bogus: unknown key")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 9, do = hang } ] }", "scenario.actions[0].cpu: CPU 9 does not exist (cpus = 8)")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 16, to = self } ] }", "scenario.actions[0].intid: INTID 16 is not an SGI (0-15)")]
    [InlineData("scenario { end = 1ms, actions = [ { at = -5us, cpu = 0, do = hang } ] }", "scenario.actions[0].at: negative time -5us")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 1, to = [0, 12] } ] }", "scenario.actions[0].to[1]: CPU 12 does not exist (cpus = 8)")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = fly } ] }", "scenario.actions[0].do: unknown verb \"fly\"")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = hang, intid = 3 } ] }", "scenario.actions[0].intid: not used by do = hang")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 1 } ] }", "scenario.actions[0].to: missing")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 2ms, cpu = 0, do = hang } ] }", "scenario.actions[0].at: 2000000ns is after the scenario's end")]
    [InlineData("scenario { end = 1ms, gic { eoi-mode = 2 } }", "scenario.gic.eoi-mode: must be 0 to 1, not 2")]
    [InlineData("scenario { end = 1ms, gic { nmi = maybe } }", "scenario.gic.nmi: \"maybe\" is not pseudo, architected or none")]
    [InlineData("scenario { end = 1ms, timing { handler = 0ns } }", "scenario.timing.handler: every latency is at least 1ns")]
    [InlineData("scenario { end = 1ms, timing { handler = 5 parsecs } }", "scenario.timing.handler: \"5 parsecs\" is not a duration")]
    [InlineData("scenario { end = 1ms, topology { cpus = 0 } }", "scenario.topology.cpus: must be 1 to 65536, not 0")]
    [InlineData("scenario { end = 1ms, topology { cpus = 32, cpus-per-cluster = 32 } }", "scenario.topology.cpus-per-cluster: must be 1 to 16, not 32")]
    [InlineData("scenario { end = 1ms, topology { cpus = 8, numbering = shuffled } }", "scenario.topology.numbering: \"shuffled\" is not contiguous or interleaved")]
    [InlineData("scenario { end = 1ms, topology { mpidr = [\"0x0\", \"0x100\"], numbering = interleaved } }", "scenario.topology.numbering: cannot be combined with an explicit mpidr list")]
    [InlineData("scenario { end = 1ms, kernel { profile = linux-5.0 } }", "scenario.kernel.profile: unknown profile \"linux-5.0\"")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = traffic, intid = 1, rate = -3, until = 10us } ] }", "scenario.actions[0].rate: \"-3\" is not a rate from 1 to 1e12")]
    [InlineData("scenario { end = 1ms, topology { cpus = 1 }\n actions = [ { at = 1us, cpu = 0, do = traffic, intid = 1, rate = 1000, until = 10us, to = all-but-self } ] }", "scenario.actions[0].to: resolves to no CPU for sender CPU 0")]
    [InlineData("scenario { end = 1ms } extra { }", "extra: unknown key")]
    public void Invalid_field_is_named_by_its_path(string hocon, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(hocon));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us ", "scenario: malformed HOCON: '{' opened on line 1 is never closed")]
    [InlineData("scenario { end = 1ms ] }", "scenario: malformed HOCON: unexpected ']' on line 1")]
    [InlineData("scenario {\n name = \"open\n}", "scenario: malformed HOCON: unterminated string on line 2")]
    [InlineData("scenario { end = = }", "scenario.end: malformed HOCON: no value")]
    [InlineData("scenario { end 1ms }", "scenario.end 1ms: malformed HOCON: no value")]
    public void Malformed_hocon_is_one_clear_line(string hocon, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(hocon));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Parser_errors_give_line_and_column()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText("scenario {\n  end = 1ms\n  topology { cpus = 8 }, name = x }"));
        Assert.Equal("scenario: malformed HOCON: Unknown token at line 3, column 24", e.Message);
    }

    /// <summary>
    /// numbering = interleaved is the mpidr list it replaces, written out: the same MPIDR per CPU,
    /// and a run with traffic and broadcasts across two chips gives the same report digest.
    /// </summary>
    [Fact]
    public void Interleaved_numbering_is_the_mpidr_list_it_replaces()
    {
        const string Run = """
            end = 60us
            kernel { profile = linux-6.12 }
            actions = [
              { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 200000, cpus = all, until = 50us }
              { at = 10us, cpu = 3, do = ipi, ipi = CALL_FUNC, to = all-but-self }
              { at = 20us, cpu = 0, do = backtrace }
            ]
            """;
        var interleaved = ScenarioLoader.LoadText($$"""
            scenario {
              topology { cpus = 12, cpus-per-cluster = 4, clusters-per-chip = 2, numbering = interleaved }
              {{Run}}
            }
            """);
        // 12 CPUs in clusters of 4: 3 clusters (0x0, 0x100 on chip 0, 0x10000 on chip 1), CPU i on cluster i mod 3.
        var listed = ScenarioLoader.LoadText($$"""
            scenario {
              topology {
                mpidr = ["0x0", "0x100", "0x10000", "0x1", "0x101", "0x10001", "0x2", "0x102", "0x10002", "0x3", "0x103", "0x10003"]
              }
              {{Run}}
            }
            """);
        Assert.Equal(Enumerable.Range(0, 12).Select(listed.Topology.MpidrOf), Enumerable.Range(0, 12).Select(interleaved.Topology.MpidrOf));
        var contiguous = ScenarioLoader.LoadText($$"""
            scenario {
              topology { cpus = 12, cpus-per-cluster = 4, clusters-per-chip = 2, numbering = contiguous }
              {{Run}}
            }
            """);
        string digest = TestRuns.Reference(interleaved).Report.Digest;
        Assert.Equal(TestRuns.Reference(listed).Report.Digest, digest);
        // The numbering is what the digest covers: contiguous numbering sends other writes.
        Assert.NotEqual(TestRuns.Reference(contiguous).Report.Digest, digest);
    }

    [Fact]
    public void Braces_in_strings_and_comments_do_not_count()
    {
        var s = ScenarioLoader.LoadText("# a comment with {\nscenario { name = \"a } name [\" // and ]\n end = 1ms }");
        Assert.Equal("a } name [", s.Name);
    }

    [Fact]
    public void Include_is_resolved_relative_to_the_including_file()
    {
        string dir = Directory.CreateTempSubdirectory("actorgic-include").FullName;
        File.WriteAllText(Path.Combine(dir, "timing.conf"), "scenario.timing { handler = 3us }");
        File.WriteAllText(Path.Combine(dir, "main.conf"), "include \"timing.conf\"\nscenario { end = 1ms }");
        Assert.Equal(3_000, ScenarioLoader.LoadFile(Path.Combine(dir, "main.conf")).Timing.Handler);
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("20ns", 20)]
    [InlineData("10us", 10_000)]
    [InlineData("1.5ms", 1_500_000)]
    [InlineData("2s", 2_000_000_000)]
    [InlineData("750", 750)]
    public void Durations_take_ns_us_ms_s(string text, long ns) => Assert.Equal(ns, Duration.ParseNs(text, "x"));

    [Fact]
    public void Every_shipped_scenario_loads()
    {
        var dir = Path.Combine(RepoRoot(), "hocon", "scenarios");
        foreach (var file in Directory.GetFiles(dir, "*.conf"))
        {
            if (Path.GetFileName(file) == "topology-2x4.conf") continue; // a topology block for sgi encode
            var s = ScenarioLoader.LoadFile(file);
            Assert.False(string.IsNullOrEmpty(s.Name));
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorGic.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ActorGic.sln not found above the test binaries");
    }
}
