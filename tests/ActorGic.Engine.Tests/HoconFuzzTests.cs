using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The shipped scenarios with characters deleted, duplicated and inserted: every result loads or
/// is refused with a <see cref="ScenarioException"/>, never any other exception, stack overflow
/// or endless loop. A failure prints CsCheck's seed; pass it back as <c>Sample(..., seed: "...")</c>
/// (or set CsCheck_Seed) to replay the same texts: the generator reads nothing but the
/// scenario files, in name order.
/// </summary>
public class HoconFuzzTests
{
    private static readonly string ScenarioDirectory = Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios");

    private static readonly string[] Texts =
        Directory.GetFiles(ScenarioDirectory, "*.conf").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();

    private static readonly string[] Inserts =
        ["{", "}", "[", "]", "=", ":", ",", ".", "$", "${", "${?", "}", "\"", "\"\"\"", "null", "#", "//", "\n", " ", "\\", "?",
         "include ", "${scenario.end}", "${scenario}", "${scenario.actions}", "x", "0", "1.5", "-", "{ a = 1 }", "[ x = 1 ]"];

    private enum Edit { Delete, Duplicate, Insert }

    private static readonly Gen<(Edit Edit, int Position, int Length, int Insert)> Edits =
        Gen.Select(Gen.OneOfConst(Edit.Delete, Edit.Duplicate, Edit.Insert), Gen.Int[0, 1 << 20], Gen.Int[1, 80], Gen.Int[0, Inserts.Length - 1]);

    private static readonly Gen<string> Mutants =
        Gen.Select(Gen.Int[0, Texts.Length - 1], Edits.Array[1, 6], (file, edits) => edits.Aggregate(Texts[file], Apply));

    private static string Apply(string text, (Edit Edit, int Position, int Length, int Insert) e)
    {
        int at = e.Position % (text.Length + 1);
        int length = Math.Min(e.Length, text.Length - at);
        return e.Edit switch
        {
            Edit.Delete => text.Remove(at, length),
            Edit.Duplicate => text.Insert(at, text.Substring(at, length)),
            _ => text.Insert(at, Inserts[e.Insert]),
        };
    }

    [Fact]
    public void Mutated_scenarios_load_or_are_refused_with_a_scenario_exception() =>
        Mutants.Sample(text =>
        {
            try
            {
                ScenarioLoader.Load(HoconFile.Parse(text, "fuzz", ScenarioDirectory), "fuzz");
            }
            catch (ScenarioException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }, iter: LongerRun ? -1 : 10_000, print: text => text);

    /// <summary>CsCheck_Iter or CsCheck_Time in the environment run the fuzz longer than the default few seconds.</summary>
    private static bool LongerRun =>
        Environment.GetEnvironmentVariable("CsCheck_Iter") is not null || Environment.GetEnvironmentVariable("CsCheck_Time") is not null;

    [Fact]
    public void The_unmutated_scenarios_all_parse() =>
        Assert.All(Texts, text => HoconFile.Parse(text, "shipped", ScenarioDirectory));
}
