using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>A node's facts travel in binary (<see cref="RunFacts.ToBytes"/>): every field must come back as it left.</summary>
public class RunFactsCodecTests
{
    private static Scenario Scenario(string file) =>
        ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", file));

    [Theory]
    [InlineData("reclaim-storm-64.conf")]
    [InlineData("stop-hung-cpu-6.12.conf")]
    public void Facts_after_a_run_survive_the_binary_form_unchanged(string file)
    {
        var sim = new Simulation(Scenario(file), keepTrace: false);
        new ReferenceEngine(sim).Run(sim.Scenario.End);
        var facts = RunFacts.Of(sim);
        Assert.Equal(Json(facts), Json(RunFacts.FromBytes(facts.ToBytes())));
    }

    [Fact]
    public void Every_fact_survives_the_binary_form()
    {
        // Every property set to a value that is not its default: a field the codec forgets fails here.
        var cpu = Filled(new CpuFacts());
        var redistributor = Filled(new RedistributorFacts());
        var facts = new RunFacts
        {
            Cpus = [null, cpu],
            Redistributors = [redistributor, null],
            DistributorSent = [-1, 5],
            Chains = [new ChainFacts(3, ulong.MaxValue, 17, 1L << 40)],
        };
        var back = RunFacts.FromBytes(facts.ToBytes());
        Assert.Equal(Json(facts), Json(back));
        foreach (var p in typeof(CpuFacts).GetProperties())
            Assert.NotEqual(JsonSerializer.Serialize(p.GetValue(new CpuFacts())), JsonSerializer.Serialize(p.GetValue(back.Cpu(1))));
        foreach (var p in typeof(RedistributorFacts).GetProperties())
            Assert.NotEqual(JsonSerializer.Serialize(p.GetValue(new RedistributorFacts())), JsonSerializer.Serialize(p.GetValue(back.Redistributor(0))));
    }

    [Fact]
    public void Facts_of_another_format_or_with_a_negative_count_are_refused()
    {
        var other = Assert.Throws<InvalidDataException>(() => RunFacts.FromBytes(Compressed([2])));
        Assert.Contains("format 2", other.Message);
        // Format 1, then a CPU count of -1 (7-bit encoded).
        var negative = Assert.Throws<InvalidDataException>(() => RunFacts.FromBytes(Compressed([1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])));
        Assert.Contains("negative count", negative.Message);
    }

    private static byte[] Compressed(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.Fastest)) brotli.Write(raw);
        return buffer.ToArray();
    }

    private static string Json(RunFacts f) => JsonSerializer.Serialize(f);

    private static T Filled<T>(T facts)
    {
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            p.SetValue(facts, p.PropertyType switch
            {
                var t when t == typeof(long) => 1L << 35,
                var t when t == typeof(int) => 300,
                var t when t == typeof(bool) => true,
                var t when t == typeof(string) => "stopped by x",
                var t when t == typeof(CpuState) => CpuState.Hung,
                var t when t == typeof(long[]) => new long[] { 0, -2, 1L << 50 },
                var t when t == typeof(int[]) => new[] { 4, -1 },
                var t when t == typeof(long[][]) => new[] { Array.Empty<long>(), new long[] { 9, 8 } },
                var t when t == typeof(string[]) => new[] { "a message", "" },
                var t when t == typeof(List<string>) => new List<string> { "a violation" },
                var t => throw new InvalidOperationException($"{p.Name}: a fact of type {t.Name}; teach this test and RunFactsCodec about it"),
            });
        return facts;
    }
}
