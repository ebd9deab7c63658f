using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>The trace streams through a spool on disk: the same bytes as a trace held in memory, whatever the chunk size.</summary>
public class TraceSpoolTests
{
    private static string Trace(Scenario scenario, TraceSpool? spool)
    {
        var sim = new Simulation(scenario, keepTrace: true, spool);
        new ReferenceEngine(sim).Run(scenario.End);
        using var stream = new MemoryStream();
        if (spool is null) ReportJson.WriteTrace(sim.Components.Select(c => c.Trace), stream, sim.Owners, sim.Mux);
        else ReportJson.WriteTrace(spool.Sorted(), stream, sim.Owners, sim.Mux);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData(50)]
    [InlineData(TraceSpool.DefaultChunkEvents)]
    public void A_spooled_trace_is_the_in_memory_trace_byte_for_byte(int chunk)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", "nmi-mux-four-users.conf"));
        string inMemory = Trace(scenario, null);
        using var spool = new TraceSpool(chunk);
        Assert.Equal(inMemory, Trace(scenario, spool));
        Assert.Equal(chunk == 50, spool.Spilled > 3); // a small chunk really went to disk, several times
    }

    [Fact]
    public void Disposing_the_spool_removes_its_files()
    {
        var scenario = new ScenarioBuilder(cpus: 8).Traffic(0, 1, 2_000_000, 20_000).Build(30_000);
        string directory;
        using (var spool = new TraceSpool(100))
        {
            Trace(scenario, spool);
            Assert.True(spool.Spilled > 0);
            directory = Path.GetDirectoryName(Directory.GetFiles(Path.GetTempPath(), "chunk-000000.bin", SearchOption.AllDirectories)
                .First(f => f.Contains("actorgic-trace-")))!;
        }
        Assert.False(Directory.Exists(directory));
    }
}
