using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic compare A.json B.json</c>: before and after in one screen. Two reports (from <c>run
/// --report</c>) side by side: what each run was and whether the digests agree; the totals; per
/// IPI and per NMI user the requests and what became of them; each latency's count, p50, p99 and
/// max with the change from A to B (absolute and in percent, p99 withheld under
/// <see cref="Summary.MinSamplesForP99"/> samples as in the summary); and both SGI tables, rows
/// that differ marked. Exit 0 whatever differs, like the summary: a comparison is read, not
/// judged; <c>--fail-on-change</c> exits 1 when the digests differ (any change in behaviour), for
/// scripts that guard a baseline.
/// </summary>
public static class CompareCommand
{
    public static Command Build(TextWriter output)
    {
        var before = new Argument<string>("A.json") { Description = "the report before (run --report)" };
        var after = new Argument<string>("B.json") { Description = "the report after" };
        var failOnChange = new Option<bool>("--fail-on-change") { Description = "exit 1 when the digests differ" };
        var compare = new Command("compare", "Compare two reports: counts, latencies and their change, both SGI tables.") { before, after, failOnChange };
        compare.SetAction(parse =>
        {
            var a = ReportFile.Read(parse.GetValue(before)!);
            var b = ReportFile.Read(parse.GetValue(after)!);
            Print(a, b, output);
            return a.Digest != b.Digest && parse.GetValue(failOnChange) ? ExitCode.InvariantViolation : ExitCode.Ok;
        });
        return compare;
    }

    internal static void Print(ReportFile a, ReportFile b, TextWriter output)
    {
        // Rendered whole, then written without the spaces the tables pad their last column with.
        var text = new StringWriter();
        Render(a, b, text);
        foreach (var line in text.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n')) output.WriteLine(line.TrimEnd());
    }

    private static void Render(ReportFile a, ReportFile b, TextWriter output)
    {
        var console = PlainConsole.Create(output, width: 200);
        console.WriteLine($"A: {a.Path}");
        console.WriteLine($"   {Head(a)}");
        console.WriteLine($"B: {b.Path}");
        console.WriteLine($"   {Head(b)}");
        console.WriteLine(a.Digest == b.Digest
            ? $"digest: the same in A and B ({a.Digest}): the runs behaved alike"
            : $"digest: differs (A {a.Digest[..Math.Min(16, a.Digest.Length)]}..., B {b.Digest[..Math.Min(16, b.Digest.Length)]}...)");
        console.Write(Totals(a, b));
        if (Requests(a, b, out var quiet) is { } requests) console.Write(requests);
        if (quiet.Count > 0) console.WriteLine($"not sent in either: {string.Join(", ", quiet)}");
        if (a.LatencyNs.Count + b.LatencyNs.Count > 0) console.Write(Latencies(a, b));
        foreach (var line in SgiTables(a, b, console)) console.WriteLine(line);
    }

    private static string Head(ReportFile r) =>
        $"{r.Scenario}, seed {r.Seed}, engine {r.Engine}{(r.Nodes > 1 ? $" on {r.Nodes} nodes" : "")}, {r.Cpus} CPUs, {Summary.Time(r.EndNs)} virtual, " +
        (r.Violations == 0 ? "invariants ok" : $"invariants VIOLATED ({r.Violations})");

    private static Table Totals(ReportFile a, ReportFile b)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("totals", "A", "B", "change");
        foreach (var name in Union(a.Totals.Select(t => t.Name), b.Totals.Select(t => t.Name)))
        {
            long? x = Find(a.Totals, name), y = Find(b.Totals, name);
            table.AddRow(name, Show(x), Show(y), x is { } xv && y is { } yv ? Change(xv, yv, time: false) : "");
        }
        return table;
    }

    /// <summary>Per IPI (in the profile's order), then per NMI user: requested with its change, then what became of the requests.</summary>
    private static Table? Requests(ReportFile a, ReportFile b, out List<string> quiet)
    {
        quiet = [];
        var table = new Table().Border(TableBorder.Simple).AddColumns("requests", "requested A", "requested B", "change",
            "sgi_sent A", "sgi_sent B", "handled A", "handled B", "pending A", "pending B", "lost A", "lost B");
        var rows = Union(a.PerIpi.Select(i => i.Name), b.PerIpi.Select(i => i.Name)).Select(n => (Name: n, A: Find(a.PerIpi, n), B: Find(b.PerIpi, n)))
            .Concat(Union(a.PerNmiUser.Select(u => u.Name), b.PerNmiUser.Select(u => u.Name))
                .Select(n => (Name: $"nmi:{n}", A: Find(a.PerNmiUser, n), B: Find(b.PerNmiUser, n))));
        var zero = new ReportFile.Counts(0, 0, 0, 0, 0);
        foreach (var (name, x, y) in rows)
        {
            if ((x ?? zero) == zero && (y ?? zero) == zero) { quiet.Add(name); continue; }
            table.AddRow(Markup.Escape(name), Show(x?.Requested), Show(y?.Requested),
                x is not null && y is not null ? Change(x.Requested, y.Requested, time: false) : "",
                Show(x?.SgiSent), Show(y?.SgiSent), Show(x?.Handled), Show(y?.Handled), Show(x?.Pending), Show(y?.Pending), Show(x?.Lost), Show(y?.Lost));
        }
        return table.Rows.Count > 0 ? table : null;
    }

    /// <summary>Latencies in the summary's order (the IPIs as the profile numbers them, the NMI users, the rest by name).</summary>
    private static Table Latencies(ReportFile a, ReportFile b)
    {
        var order = new Dictionary<string, int>();
        foreach (var name in a.PerIpi.Select(i => i.Name).Concat(b.PerIpi.Select(i => i.Name))) order.TryAdd(name, order.Count);
        foreach (var user in a.PerNmiUser.Select(u => u.Name).Concat(b.PerNmiUser.Select(u => u.Name))) order.TryAdd($"nmi:{user}", order.Count);
        int Rank(string key) => order.TryGetValue(key.Split('/')[0], out int i) ? i : int.MaxValue;
        var table = new Table().Border(TableBorder.Simple).AddColumns("latency", "count A", "count B",
            "p50 A", "p50 B", "change", "p99 A", "p99 B", "change", "max A", "max B", "change");
        var names = Union(a.LatencyNs.Select(l => l.Name), b.LatencyNs.Select(l => l.Name))
            .OrderBy(Rank).ThenBy(n => n, StringComparer.Ordinal);
        foreach (var name in names)
        {
            var (x, y) = (Find(a.LatencyNs, name), Find(b.LatencyNs, name));
            bool p99 = x is not null && y is not null && x.Count >= Summary.MinSamplesForP99 && y.Count >= Summary.MinSamplesForP99;
            table.AddRow(Markup.Escape(name), Show(x?.Count), Show(y?.Count),
                Time(x?.P50), Time(y?.P50), x is not null && y is not null ? Change(x.P50, y.P50, time: true) : "",
                P99(x), P99(y), p99 ? Change(x!.P99, y!.P99, time: true) : "",
                Time(x?.Max), Time(y?.Max), x is not null && y is not null ? Change(x.Max, y.Max, time: true) : "");
        }
        return table;
    }

    private static string P99(ReportFile.Latency? l) =>
        l is null ? "-" : Summary.P99(l.Count, l.P99);

    /// <summary>
    /// Both SGI tables: one table when they are the same, else side by side with the rows that
    /// differ marked. Rows with no owner and the same mode in both (firmware's, free) are named in
    /// one line instead.
    /// </summary>
    private static IEnumerable<string> SgiTables(ReportFile a, ReportFile b, IAnsiConsole console)
    {
        var sgis = a.SgiTable.Select(r => r.Sgi).Union(b.SgiTable.Select(r => r.Sgi)).Order().ToList();
        var rows = sgis.Select(s => (Sgi: s, A: a.SgiTable.FirstOrDefault(r => r.Sgi == s), B: b.SgiTable.FirstOrDefault(r => r.Sgi == s))).ToList();
        bool same = rows.All(r => r.A == r.B);
        bool Idle(ReportFile.SgiRow? x, ReportFile.SgiRow? y) => x is not null && x == y && x.Owner is null && x.Carries.Length == 0;
        var shown = rows.Where(r => !Idle(r.A, r.B)).ToList();
        if (shown.Count > 0)
        {
            Table table;
            if (same)
            {
                table = new Table().Border(TableBorder.Simple).AddColumns("SGI (same in A and B)", "owner", "nmi", "mode", "carries");
                foreach (var (sgi, x, _) in shown) table.AddRow([sgi.ToString(CultureInfo.InvariantCulture), .. Cells(x)]);
            }
            else
            {
                table = new Table().Border(TableBorder.Simple).AddColumns("SGI", "owner A", "nmi A", "mode A", "carries A", "owner B", "nmi B", "mode B", "carries B");
                foreach (var (sgi, x, y) in shown)
                    table.AddRow([$"{(x == y ? " " : "*")} {sgi}", .. Cells(x), .. Cells(y)]);
            }
            console.Write(table);
        }
        else yield return "SGI table: the same in A and B";
        if (!same) yield return "* the SGI's row differs between A and B";
        foreach (var group in rows.Where(r => Idle(r.A, r.B)).GroupBy(r => r.A!.Mode))
            yield return $"SGIs {ActorGic.Engine.CpuRanges.Format(group.Select(r => r.Sgi), ", ")}: {group.Key} in both";
    }

    private static string[] Cells(ReportFile.SgiRow? row) => row is null
        ? ["-", "-", "-", "-"]
        : [Markup.Escape(row.Owner ?? "-"), row.Nmi ? "yes" : "no", Markup.Escape(row.Mode), Markup.Escape(row.Carries)];

    /// <summary>The change from A to B: "0" when equal, else signed, with the percent of A when A is not 0.</summary>
    internal static string Change(long a, long b, bool time)
    {
        if (a == b) return "0";
        long d = b - a;
        string abs = (d > 0 ? "+" : "") + (time ? Summary.Time(d) : d.ToString(CultureInfo.InvariantCulture));
        double percent = 100.0 * d / a;
        // A change under 0.1% keeps two decimals, so it never reads as 0.0%.
        string shown = percent.ToString(Math.Abs(percent) < 0.1 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
        return a == 0 ? abs : $"{abs} ({(d > 0 ? "+" : "")}{shown}%)";
    }

    private static string Show(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Time(long? ns) => ns is { } n ? Summary.Time(n) : "-";

    private static IEnumerable<string> Union(IEnumerable<string> a, IEnumerable<string> b) => a.Concat(b).Distinct();

    private static T? Find<T>(IReadOnlyList<(string Name, T Value)> list, string name) where T : class =>
        list.FirstOrDefault(e => e.Name == name).Value;

    private static long? Find(IReadOnlyList<(string Name, long Value)> list, string name) =>
        list.Any(e => e.Name == name) ? list.First(e => e.Name == name).Value : null;
}
