using System.CommandLine;
using ActorGic.Cli.Plots;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic plot R.json [-o DIR]</c>: the pictures of a report written by <c>actorgic run
/// --report</c> (the same ones <c>run --plot DIR</c> writes): latency CDFs, the interrupts heat
/// map, the SGI table through time.
/// </summary>
public static class PlotCommand
{
    public static Command Build(TextWriter output)
    {
        var input = new Argument<string>("R.json") { Description = "a report written by actorgic run --report" };
        var outDir = new Option<string>("--output", "-o") { Description = "the directory for the pictures (default: R.plots beside R.json; created if missing)" };
        var plot = new Command("plot", "Draw a report's latency CDFs and tails, interrupts heat map and SGI table timeline as PNG and SVG.") { input, outDir };
        plot.SetAction(parse =>
        {
            string file = parse.GetValue(input)!;
            switch (FileKinds.Of(Path.GetFullPath(file)).Kind)
            {
                case FileKind.Regular: break;
                case FileKind.Missing: throw new ScenarioException("R.json", $"{file}: no such file");
                default: throw new ScenarioException("R.json", $"{file} is not a regular file");
            }
            PlotData data;
            using (var stream = File.OpenRead(file)) data = PlotData.Read(file, stream);
            using var files = PlotFiles.Open("--output", parse.GetValue(outDir) ?? Path.ChangeExtension(file, ".plots"), output);
            OutputFile.WriteAll(files.Writes(() => data).ToArray());
            output.WriteLine($"wrote {string.Join(", ", files.Names)} to {files.Shown}");
            return ExitCode.Ok;
        });
        return plot;
    }

    /// <summary>The pictures of a finished run, drawn from its report as <c>actorgic plot</c> would read it.</summary>
    internal static PlotData DataOf(RunReport report)
    {
        using var json = new MemoryStream();
        ReportJson.Write(report, json);
        json.Position = 0;
        return PlotData.Read("report", json);
    }
}
