using System.Text;
using ActorGic.Scenarios;
using Xunit.Sdk;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Golden results: the reference engine's report of every shipped scenario is the committed file
/// tests/golden/NAME.json, byte for byte. Any change in any figure (a count, a latency percentile,
/// a table row, the digest over every sample) fails here until <c>dotnet pwsh run.ps1 golden</c>
/// rewrites the files (ACTORGIC_UPDATE_GOLDEN=1), so a model change is reviewed as their diff,
/// and both engines being wrong the same way can no longer pass. The actor engine's reports are
/// held against the reference engine's in ActorGic.Actors.Tests.
/// </summary>
public class GoldenReportTests
{
    public const string UpdateVariable = "ACTORGIC_UPDATE_GOLDEN";

    public static TheoryData<string> ShippedScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios"), "*.conf").Order())
            if (Path.GetFileName(file) != "topology-2x4.conf") data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void Shipped_scenario_report_is_its_golden_report(string file)
    {
        var report = TestRuns.File(file);
        using var stream = new MemoryStream();
        ReportJson.Write(report, stream);
        string json = Encoding.UTF8.GetString(stream.ToArray());
        string path = Path.Combine(ScenarioLoaderTests.RepoRoot(), "tests", "golden", Path.ChangeExtension(file, ".json"));
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, json);
            return;
        }
        if (!File.Exists(path))
            throw new XunitException($"no golden report {path}: run `dotnet pwsh run.ps1 golden` and review the new file");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');
        var actual = json.ReplaceLineEndings("\n").Split('\n');
        int i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        if (i == expected.Length && i == actual.Length) return;
        string Line(string[] lines) => i < lines.Length ? lines[i].Trim() : "(end)";
        throw new XunitException($"{file} differs from its golden report at line {i + 1}: expected `{Line(expected)}`, got `{Line(actual)}` " +
            "(if the change is intended: dotnet pwsh run.ps1 golden, then review git diff tests/golden)");
    }
}
