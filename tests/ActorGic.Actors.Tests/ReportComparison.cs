using System.Text;
using ActorGic.Engine;
using Xunit.Sdk;

namespace ActorGic.Actors.Tests;

/// <summary>
/// Whole reports compared as the user sees them: the JSON that <c>--report</c> writes, with the
/// fields that name the engine and node count set aside (SCENARIOS.md: the same report apart from
/// engine, nodes and wall times). A difference fails with the first differing line, not a 4,000-line
/// string diff. The reference reports themselves are held against the committed golden files
/// in ActorGic.Engine.Tests (GoldenReportTests).
/// </summary>
public static class ReportComparison
{
    /// <summary>The report's JSON with engine and nodes made neutral: what must be equal across engines and node counts.</summary>
    public static string Canonical(RunReport report)
    {
        using var stream = new MemoryStream();
        ReportJson.Write(report with { Engine = "-", Nodes = 0 }, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void AssertSameReport(RunReport expected, RunReport actual, string what) =>
        AssertSameText(Canonical(expected), Canonical(actual), what);

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
}
