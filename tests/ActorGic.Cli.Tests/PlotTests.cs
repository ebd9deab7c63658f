using System.Buffers.Binary;
using System.Xml.Linq;
using ActorGic.Cli.Plots;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>
/// The pictures of <c>run --plot DIR</c> and <c>actorgic plot R.json</c>: every file written whole
/// (a PNG of the promised size, a well-formed SVG), the same pictures either way, every bad path or
/// report refused with exit 2 and one line; and the SGI table's timeline, exactly.
/// </summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-plot").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string In(string name) => Path.Combine(_dir, name);

    private static string Scenario(string name) => Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", name);

    private static string Golden(string name) => Path.Combine(RunCommandTests.RepoRoot(), "tests", "golden", name);

    private static readonly string[] Files =
        ["interrupts-heatmap.png", "interrupts-heatmap.svg", "latency-cdf.png", "latency-cdf.svg", "latency-tail.png", "latency-tail.svg", "sgi-timeline.png",
         "sgi-timeline.svg"];

    private static void AssertOneLine(string expected, string error) => Assert.Equal($"actorgic: {expected}", Assert.Single(Lines(error)));

    /// <summary>Each picture is a PNG of 1200 x 700 pixels with more than a blank canvas in it, and an SVG that parses, with its size and some text.</summary>
    private static void AssertPictures(string dir)
    {
        Assert.Equal(Files, Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order().ToArray());
        foreach (var png in Files.Where(f => f.EndsWith(".png")))
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.Equal(Style.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(Style.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.True(bytes.Length > 20_000, $"{png} is {bytes.Length} bytes: too small for a drawn picture");
        }
        foreach (var svg in Files.Where(f => f.EndsWith(".svg")))
        {
            var root = XDocument.Load(Path.Combine(dir, svg)).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Equal($"{Style.Width}", root.Attribute("width")?.Value.Replace("px", ""));
            Assert.Contains(root.Descendants(), e => e.Name.LocalName == "text" || e.Name.LocalName == "path");
        }
    }

    [Fact]
    public void Run_with_plot_writes_the_four_pictures_of_a_reclaim_mid_storm()
    {
        var (exit, output, error) = Run("run", Scenario("reclaim-storm-64.conf"), "--engine", "reference", "--plot", In("pictures"));
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("digest:", output);
        AssertPictures(In("pictures"));
    }

    [Fact]
    public void Plot_draws_a_report_as_run_with_plot_draws_it()
    {
        Directory.CreateDirectory(In("run"));
        var (exit, _, _) = Run("run", Scenario("nmi-mux-four-users.conf"), "--engine", "reference", "--report", In("r.json"), "--plot", In("run"));
        Assert.Equal(0, exit);
        var (plotExit, output, error) = Run("plot", In("r.json"));
        Assert.Equal(0, plotExit);
        Assert.Equal("", error);
        Assert.Equal($"wrote latency-cdf.png, latency-cdf.svg, latency-tail.png, latency-tail.svg, interrupts-heatmap.png, interrupts-heatmap.svg, sgi-timeline.png, sgi-timeline.svg to {In("r.plots")}",
            output.TrimEnd());
        AssertPictures(In("r.plots"));
        AssertPictures(In("run"));
        foreach (var png in Files.Where(f => f.EndsWith(".png")))
            Assert.Equal(File.ReadAllBytes(In($"run/{png}")), File.ReadAllBytes(In($"r.plots/{png}")));
    }

    [Fact]
    public void A_plot_directory_that_is_a_file_exits_2_before_the_run()
    {
        File.WriteAllText(In("file"), "x");
        var (exit, output, error) = Run("run", Scenario("self-sgi.conf"), "--engine", "reference", "--plot", In("file"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine($"--plot: {In("file")} is not a directory", error);
    }

    [Fact]
    public void A_plot_directory_in_a_missing_directory_exits_2_and_the_report_is_not_written()
    {
        var (exit, output, error) = Run("run", Scenario("self-sgi.conf"), "--engine", "reference", "--report", In("r.json"), "--plot", In("no/such/dir"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine($"--plot: directory {In("no/such")} does not exist", error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("-", "--plot: pictures cannot go to standard output; give a directory")]
    [InlineData("", "--plot: empty path (give a directory for the pictures)")]
    public void Standard_output_or_an_empty_plot_path_exits_2(string path, string message)
    {
        var (exit, _, error) = Run("run", Scenario("self-sgi.conf"), "--engine", "reference", "--plot", path);
        Assert.Equal(2, exit);
        AssertOneLine(message, error);
    }

    [Fact]
    public void Plot_refuses_what_is_not_a_whole_report()
    {
        File.WriteAllText(In("bad.json"), "{ not json");
        File.WriteAllText(In("incomplete.json"), """{ "scenario": "x", "complete": false, "error": "node 1 was lost" }""");
        File.WriteAllText(In("partial.json"), """{ "scenario": "x", "seed": 1, "complete": true, "cpus": 1, "end_ns": 10, "per_cpu": [] }""");
        Assert.Equal((2, ""), Refused("bad.json", out var error));
        Assert.StartsWith($"actorgic: {In("bad.json")}: not JSON: ", error);
        Assert.Equal((2, ""), Refused("incomplete.json", out error));
        AssertOneLine($"{In("incomplete.json")}: complete: the run did not finish (complete: false): an incomplete report has no counts to plot", error);
        Assert.Equal((2, ""), Refused("partial.json", out error));
        AssertOneLine($"{In("partial.json")}: per_cpu: has 0 rows for 1 CPUs", error);
        Assert.Equal((2, ""), Refused("missing.json", out error));
        AssertOneLine($"R.json: {In("missing.json")}: no such file", error);
        Directory.CreateDirectory(In("dir.json"));
        Assert.Equal((2, ""), Refused("dir.json", out error));
        AssertOneLine($"R.json: {In("dir.json")} is not a regular file", error);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_dir), e => e.EndsWith(".plots"));
    }

    private (int, string) Refused(string report, out string error)
    {
        var (exit, output, err) = Run("plot", In(report));
        error = err;
        return (exit, output);
    }

    /// <summary>
    /// A grant then a release that promotes the victim back: SGI 4 is TIMER's, negotiated,
    /// cpu-pause's, negotiated, TIMER's again; CALL_FUNC's SGI carries TIMER in between.
    /// </summary>
    [Fact]
    public void The_timeline_walks_the_reclaims_back_from_the_table_at_the_end()
    {
        PlotData data;
        using (var json = File.OpenRead(Golden("reclaim-release-promote-6.12.json"))) data = PlotData.Read("golden", json);
        var spans = SgiTimeline.Spans(data);
        Assert.Equal(
        [
            new(4, 0, 50_060, SlotState.Held, "TIMER"),
            new(4, 50_060, 55_011, SlotState.Negotiating, "request-sgi: TIMER -> cpu-pause"),
            new(4, 55_011, 200_060, SlotState.Held, "cpu-pause"),
            new(4, 200_060, 204_816, SlotState.Negotiating, "release-sgi: cpu-pause -> TIMER"),
            new(4, 204_816, 400_000, SlotState.Held, "TIMER"),
        ], spans.Where(s => s.Sgi == 4));
        Assert.Equal(
        [
            new(1, 0, 55_011, SlotState.Held, "CALL_FUNC"),
            new(1, 55_011, 204_816, SlotState.Held, "CALL_FUNC + TIMER (ipi-mux)"),
            new(1, 204_816, 400_000, SlotState.Held, "CALL_FUNC"),
        ], spans.Where(s => s.Sgi == 1));
        Assert.Equal([new(8, 0, 400_000, SlotState.Firmware, "firmware")], spans.Where(s => s.Sgi == 8));
    }
    private static PlotData GoldenData(string name)
    {
        using var json = File.OpenRead(Golden(name));
        return PlotData.Read("golden", json);
    }

    /// <summary>
    /// TIMER's drain stalls on a hung CPU and is rolled back, then IRQ_WORK gives SGI 5 up: SGI 4
    /// stays TIMER's with a rolled-back span over the attempt, and SGI 5's negotiation starts only
    /// when the roll-back ended, not at the request.
    /// </summary>
    [Fact]
    public void The_timeline_draws_an_attempt_rolled_back_on_the_slot_it_tried()
    {
        var spans = SgiTimeline.Spans(GoldenData("reclaim-drain-hung-6.12.json"));
        Assert.Equal(
        [
            new(4, 0, 400_000, SlotState.Held, "TIMER"),
            new(4, 20_215, 70_751, SlotState.RolledBack, "rolled back (drain did not finish; TIMER kept it)"),
        ], spans.Where(s => s.Sgi == 4));
        Assert.Equal(
        [
            new(5, 0, 70_751, SlotState.Held, "IRQ_WORK"),
            new(5, 70_751, 73_387, SlotState.Negotiating, "request-sgi: IRQ_WORK -> cpu-pause"),
            new(5, 73_387, 400_000, SlotState.Held, "cpu-pause"),
        ], spans.Where(s => s.Sgi == 5));
        // A failed request's per-CPU setup, rolled back: the slot kept IRQ_WORK all along.
        Assert.Equal(
        [
            new(5, 0, 300_000, SlotState.Held, "IRQ_WORK"),
            new(5, 10_215, 110_866, SlotState.RolledBack, "rolled back (setup did not finish; IRQ_WORK kept it)"),
        ], SgiTimeline.Spans(GoldenData("reclaim-per-cpu-hung-6.12.json")).Where(s => s.Sgi == 5));
    }

    /// <summary>The broker's slot taken at boot is a mark at t = 0 on its row, and no negotiation: the table at the end already holds it from t = 0.</summary>
    [Fact]
    public void The_timeline_marks_the_brokers_move_at_boot_at_t_0()
    {
        var spans = SgiTimeline.Spans(GoldenData("reclaim-nmi-user-moves-6.12.json"));
        Assert.Equal(
        [
            new(5, 0, 300_000, SlotState.Held, "nmi-broker + backtrace, kgdb-roundup, cpu-stop, cpu-pause (nmi-mux)"),
            new(5, 0, 0, SlotState.Boot, "boot: IRQ_WORK -> nmi-broker"),
        ], spans.Where(s => s.Sgi == 5));
        Assert.Equal([new(1, 0, 300_000, SlotState.Held, "CALL_FUNC + IRQ_WORK (ipi-mux)")], spans.Where(s => s.Sgi == 1));
        Assert.DoesNotContain(spans, s => s.State == SlotState.Negotiating && s.StartNs == 0);
    }

    /// <summary>The pictures of a report with a roll-back and of one with a boot move are drawn whole.</summary>
    [Theory]
    [InlineData("reclaim-drain-hung-6.12.json")]
    [InlineData("reclaim-nmi-user-moves-6.12.json")]
    public void Plot_draws_a_rolled_back_attempt_and_a_boot_move(string golden)
    {
        var (exit, _, error) = Run("plot", Golden(golden), "-o", In("p"));
        Assert.Equal((0, ""), (exit, error));
        AssertPictures(In("p"));
        var svg = File.ReadAllText(In("p/sgi-timeline.svg"));
        Assert.Contains(golden.StartsWith("reclaim-drain") ? "rolled back" : "taken at boot", svg);
    }
}
