using ActorGic.Kernel;
using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Lines of the shipped traces with characters deleted, duplicated and inserted: the reader reads
/// each result or refuses it with a <see cref="FtraceReader.LineException"/> naming a line of
/// it, never another exception; asked to skip, it never refuses, and every line is a line it
/// read or skipped. A failure prints CsCheck's seed (CsCheck_Seed=SEED replays it).
/// </summary>
public class FtraceFuzzTests
{
    private static readonly string[] Lines = File.ReadLines(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "traces", "6.12-n8-mixed.trace.txt"))
        .Take(200).ToArray();

    private static readonly string[] Inserts = ["[", "]", ":", ",", ".", "(", ")", "-", " ", "#", "0", "9", "ff", "x", "\t", "ipi_raise: ", "ipi_entry: ", "target_mask="];

    private static readonly Gen<string> Mutants =
        Gen.Select(Gen.Int[0, Lines.Length - 40], Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1 << 20], Gen.Int[1, 12], Gen.Int[0, Inserts.Length - 1]).Array[1, 6],
            (start, edits) => edits.Aggregate(string.Join('\n', Lines.Skip(start).Take(40)), (text, e) =>
            {
                int at = e.Item2 % (text.Length + 1);
                int length = Math.Min(e.Item3, text.Length - at);
                return e.Item1 switch
                {
                    0 => text.Remove(at, length),
                    1 => text.Insert(at, text.Substring(at, length)),
                    _ => text.Insert(at, Inserts[e.Item4]),
                };
            }));

    [Fact]
    public void Mutated_traces_are_read_or_refused_naming_a_line_and_read_whole_when_skipping() =>
        Mutants.Sample(text =>
        {
            var kernel = KernelProfiles.Linux612;
            int lines = 0;
            using (var reader = new StringReader(text))
                while (reader.ReadLine() is not null) lines++;
            try
            {
                FtraceReader.Read(new StringReader(text), "fuzz", kernel, new FtraceOptions { CpuLimit = 8 });
            }
            catch (FtraceReader.LineException e)
            {
                Assert.InRange(e.Line, 1, lines);
                Assert.DoesNotContain('\n', e.Message);
            }
            var skipping = FtraceReader.Read(new StringReader(text), "fuzz", kernel, new FtraceOptions { CpuLimit = 8, Skip = true });
            Assert.Equal(lines, skipping.Lines);
            Assert.Equal(skipping.Events["ipi_raise"], skipping.Count);
            Assert.All(skipping.Targets, t => Assert.InRange(t, 0, 7));
        }, iter: LongerRun ? -1 : 3_000, print: text => text);

    /// <summary>CsCheck_Iter or CsCheck_Time in the environment run the fuzz longer than the default second.</summary>
    private static bool LongerRun =>
        Environment.GetEnvironmentVariable("CsCheck_Iter") is not null || Environment.GetEnvironmentVariable("CsCheck_Time") is not null;
}
