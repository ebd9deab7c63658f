using ActorGic.Scenarios;
using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>
/// The pictures <c>--plot DIR</c> and <c>actorgic plot</c> write: each of <see cref="Pictures"/> as
/// PNG and SVG in DIR. DIR is checked before the run, as every output path is: an existing
/// directory (a symlink to one is followed), or a new one whose parent exists (created then); a
/// file, a missing parent or <c>-</c> is exit 2 naming the argument. Every picture is an
/// <see cref="OutputFile"/> (a temporary renamed into place, a symlink's target written, a device
/// written in place), committed with the report and the trace or not at all.
/// </summary>
internal sealed class PlotFiles : IDisposable
{
    /// <summary>The pictures, by file name without extension.</summary>
    public static readonly IReadOnlyList<(string Name, Func<PlotData, Plot> Draw)> Pictures =
    [
        ("latency-cdf", LatencyCdf.Draw),
        ("latency-tail", LatencyTail.Draw),
        ("interrupts-heatmap", InterruptHeatmap.Draw),
        ("sgi-timeline", SgiTimeline.Draw),
    ];

    private readonly List<(OutputFile File, string Name, bool Png)> _files;

    public string Shown { get; }

    private PlotFiles(string shown, List<(OutputFile, string, bool)> files) => (Shown, _files) = (shown, files);

    public static PlotFiles Open(string argument, string directory, TextWriter output)
    {
        if (directory.Length == 0) throw new ScenarioException(argument, "empty path (give a directory for the pictures)");
        if (directory == "-") throw new ScenarioException(argument, "pictures cannot go to standard output; give a directory");
        string full = Path.GetFullPath(directory);
        switch (FileKinds.Of(full).Kind)
        {
            case FileKind.Directory: break;
            case FileKind.Missing:
                string parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full))!;
                if (FileKinds.Of(parent).Kind != FileKind.Directory) throw new ScenarioException(argument, $"directory {parent} does not exist");
                try { Directory.CreateDirectory(full); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ScenarioException(argument, $"cannot create {directory}: {e.Message}");
                }
                break;
            default: throw new ScenarioException(argument, $"{directory} is not a directory");
        }
        var files = new List<(OutputFile, string, bool)>();
        try
        {
            foreach (var (name, _) in Pictures)
                foreach (bool png in new[] { true, false })
                    files.Add((OutputFile.Open(argument, Path.Combine(directory, $"{name}.{(png ? "png" : "svg")}"), output), name, png));
        }
        catch
        {
            foreach (var (file, _, _) in files) file.Dispose();
            throw;
        }
        return new PlotFiles(directory, files);
    }

    /// <summary>The writes of every picture, for <see cref="OutputFile.WriteAll"/>; each picture is drawn once for both formats.</summary>
    public IEnumerable<(OutputFile?, Action<Stream>)> Writes(Func<PlotData> data)
    {
        var drawn = new Dictionary<string, Plot>();
        Plot Drawn(string name) => drawn.TryGetValue(name, out var p) ? p : drawn[name] = Pictures.First(x => x.Name == name).Draw(data());
        return _files.Select(f => ((OutputFile?)f.File, (Action<Stream>)(stream =>
        {
            var plot = Drawn(f.Name);
            var bytes = f.Png ? plot.GetImageBytes(Style.Width, Style.Height, ImageFormat.Png)
                : System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(Style.Width, Style.Height));
            stream.Write(bytes);
        }))).ToList();
    }

    public IEnumerable<string> Names => _files.Select(f => Path.GetFileName(f.File.Shown));

    public void Dispose()
    {
        foreach (var (file, _, _) in _files) file.Dispose();
    }
}
