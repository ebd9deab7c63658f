using ActorGic.Scenarios;

namespace ActorGic.Cli.Tests;

/// <summary>
/// The bench's start-up part: how it reads its figures against the targets and what it says about
/// the build it runs. Nothing here runs or times the bench (the measuring itself is never a test).
/// </summary>
public sealed class BenchStartupTests
{
    [Fact]
    public void Figures_are_read_as_medians_against_both_targets()
    {
        // Start-up median 0.25 s (under 0.3 s); storm whole-process median 0.55 s against warm 0.10 + 0.25: 1.57 (over 1.5).
        var lines = BenchStartup.Lines([0.30, 0.25, 0.20], [0.50, 0.60, 0.55], [0.12, 0.10, 0.10], sameDigest: true, "after 9 untimed runs").ToList();
        Assert.Equal(4, lines.Count);
        Assert.Contains("median 0.250 s (0.200-0.300, 3 runs); target under 0.3 s: met", lines[0]);
        Assert.Contains("median 0.550 s (0.500-0.600, 3 runs)", lines[1]);
        Assert.EndsWith("median 0.100 s (0.100-0.120, 3 runs) (after 9 untimed runs)", lines[2]);
        Assert.Contains("= 0.550 / (0.100 + 0.250) = 1.57; target at most 1.5: NOT met; cold cost of the storm beyond start-up 0.200 s", lines[3]);
    }

    [Fact]
    public void A_slow_start_and_a_different_digest_are_said()
    {
        var lines = BenchStartup.Lines([0.31, 0.40], [0.5, 0.5], [0.2, 0.2], sameDigest: false, "n").ToList();
        Assert.Contains("median 0.355 s (0.310-0.400, 2 runs); target under 0.3 s: NOT met", lines[0]);
        Assert.EndsWith("; DIGESTS DIFFER", lines[2]);
        Assert.Contains("= 0.90; target at most 1.5: met", lines[3]);
    }

    [Fact]
    public void ReadyToRun_code_is_told_from_IL_only_assemblies()
    {
        // The runtime's own assemblies ship precompiled; a test build is IL only; a text file is no assembly.
        Assert.True(BenchStartup.ReadyToRun(typeof(object).Assembly.Location));
        Assert.False(BenchStartup.ReadyToRun(typeof(BenchStartupTests).Assembly.Location));
        string text = Path.GetTempFileName();
        try
        {
            File.WriteAllText(text, "not an assembly");
            Assert.Null(BenchStartup.ReadyToRun(text));
        }
        finally
        {
            File.Delete(text);
        }
        Assert.Contains(typeof(BenchStartup).Assembly.Location, BenchStartup.Describe());
    }

    [Fact]
    public void The_embedded_scenarios_load_as_the_bench_describes_them()
    {
        var one = ScenarioLoader.LoadText(BenchStartup.Text("one-event.conf"));
        Assert.Equal(1, one.Topology.CpuCount);
        var storm = ScenarioLoader.LoadText(BenchStartup.Text("linux-storm-128.conf"));
        Assert.Equal(128, storm.Topology.CpuCount);
        Assert.Equal(["one-event.conf", "linux-storm-128.conf"], BenchStartup.Scenarios);
    }
}
