using System.Text;
using ActorGic.Engine;
using Xunit.Sdk;

namespace ActorGic.Actors.Tests;

/// <summary>
/// Whole reports compared as the user sees them: the JSON that <c>--report</c> writes, with the
/// fields that name the engine and node count set aside (SCENARIOS.md: the same report apart from
/// engine, nodes and wall times). A difference fails with the first differing line, not a 4,000-line
/// string diff. Golden reports (tests/golden/NAME.json) are the reference engine's reports as
/// committed; <c>dotnet pwsh run.ps1 golden</c> rewrites them (ACTORGIC_UPDATE_GOLDEN=1), so a
/// change of the model shows up as a reviewed diff of those files.
/// </summary>
public static class ReportComparison
{
    public const string UpdateVariable = "ACTORGIC_UPDATE_GOLDEN";

    /// <summary>The report's JSON with engine and nodes made neutral: what must be equal across engines and node counts.</summary>
    public static string Canonical(RunReport report)
    {
        using var stream = new MemoryStream();
        ReportJson.Write(report with { Engine = "-", Nodes = 0 }, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string Json(RunReport report)
    {
        using var stream = new MemoryStream();
        ReportJson.Write(report, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void AssertSameReport(RunReport expected, RunReport actual, string what) =>
        AssertSameText(Canonical(expected), Canonical(actual), what);

    /// <summary>The reference report of a shipped scenario equals its committed golden file (or rewrites it, when asked to).</summary>
    public static void AssertGolden(string scenarioFile, RunReport reference)
    {
        string path = Path.Combine(RepoRoot(), "tests", "golden", Path.ChangeExtension(scenarioFile, ".json"));
        string json = Json(reference);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, json);
            return;
        }
        if (!File.Exists(path))
            throw new XunitException($"no golden report {path}: run `dotnet pwsh run.ps1 golden` and review the new file");
        AssertSameText(File.ReadAllText(path).ReplaceLineEndings("\n"), json.ReplaceLineEndings("\n"),
            $"{scenarioFile} against its golden report (if the change is intended: dotnet pwsh run.ps1 golden, then review git diff tests/golden)");
    }

    public static void AssertSameText(string expected, string actual, string what)
    {
        if (expected == actual) return;
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        string Line(string[] lines) => i < lines.Length ? lines[i].Trim() : "(end)";
        throw new XunitException($"{what}: reports differ at line {i + 1}: expected `{Line(a)}`, got `{Line(b)}`");
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorGic.sln"))) return dir.FullName;
        throw new InvalidOperationException("ActorGic.sln not found above " + AppContext.BaseDirectory);
    }
}
