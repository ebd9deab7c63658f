using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using ActorGic.Scenarios;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>
/// Where actorgic run's --report and --trace and trace perfetto's -o go: checked before the run,
/// whole or absent, and never destroying what sits at the path (a link, a device, a FIFO).
/// Linux paths: /proc, /dev/null, /dev/full, a FIFO.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class OutputPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-out").FullName;
    private readonly string _scenario = Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", "target-list.conf");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string In(string name) => Path.Combine(_dir, name);

    /// <summary>Every name in the test directory: no temporary may outlive a command.</summary>
    private string[] Entries() => Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order().ToArray()!;

    private (int Exit, string Out, string Err) RunWith(params string[] outputs) =>
        Run(["run", _scenario, "--engine", "reference", .. outputs]);

    private static void AssertOneLine(string expected, string error) => Assert.Equal($"actorgic: {expected}", Assert.Single(Lines(error)));

    [Theory]
    [InlineData("--report")]
    [InlineData("--trace")]
    public void An_output_that_is_a_directory_exits_2_before_the_run_and_writes_nothing(string option)
    {
        Directory.CreateDirectory(In("sub"));
        string other = option == "--report" ? "--trace" : "--report";
        var (exit, output, error) = RunWith(option, In("sub"), other, In("other.json"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine($"{option}: {In("sub")} is a directory", error);
        Assert.Equal(["sub"], Entries());
        Assert.Empty(Directory.EnumerateFileSystemEntries(In("sub")));
    }

    [Fact]
    public void An_output_in_a_missing_directory_exits_2_and_the_other_output_is_not_written()
    {
        var (exit, output, error) = RunWith("--trace", In("t.jsonl"), "--report", In("no/dir/r.json"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine($"--report: directory {In("no/dir")} does not exist", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void An_empty_output_path_exits_2()
    {
        var (exit, _, error) = RunWith("--trace", "");
        Assert.Equal(2, exit);
        AssertOneLine("--trace: empty path (- writes to standard output)", error);
    }

    [Fact]
    public void An_output_where_no_file_can_be_created_exits_2()
    {
        var (exit, _, error) = RunWith("--report", "/proc/r.json");
        Assert.Equal(2, exit);
        AssertOneLine("--report: cannot create a file in /proc: Could not find file.", error);
    }

    [Fact]
    public void An_output_below_a_regular_file_exits_2()
    {
        File.WriteAllText(In("plain"), "kept");
        var (exit, _, error) = RunWith("--report", In("plain/r.json"));
        Assert.Equal(2, exit);
        AssertOneLine($"--report: cannot write {In("plain/r.json")}: Not a directory", error);
        Assert.Equal("kept", File.ReadAllText(In("plain")));
    }

    [Fact]
    public void An_output_that_cannot_be_opened_in_place_exits_2()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(In("sock")));
        var (exit, _, error) = RunWith("--report", In("sock"));
        Assert.Equal(2, exit);
        AssertOneLine($"--report: cannot write {In("sock")}: No such device or address", error);
        Assert.Equal(["sock"], Entries());
    }

    [Fact]
    public void Report_and_trace_to_the_same_file_exits_2()
    {
        File.CreateSymbolicLink(In("link.json"), "same.json");
        var (exit, _, error) = RunWith("--report", In("same.json"), "--trace", In("link.json"));
        Assert.Equal(2, exit);
        AssertOneLine($"--trace: {In("link.json")} is the file --report writes", error);
        Assert.Equal(["link.json"], Entries());
    }

    [Fact]
    public void Report_and_trace_both_to_standard_output_exits_2()
    {
        var (exit, output, error) = RunWith("--report", "-", "--trace", "-");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine("--trace: --report already writes to standard output (-); only one of them can", error);
    }

    [Fact]
    public void Report_to_standard_output_prints_the_json_alone_and_the_summary_on_standard_error()
    {
        var (exit, output, error) = RunWith("--report", "-", "--trace", In("t.jsonl"));
        Assert.Equal(0, exit);
        using var report = JsonDocument.Parse(output); // the whole of standard output is one JSON document
        Assert.Equal(4, report.RootElement.GetProperty("totals").GetProperty("delivered").GetInt32());
        Assert.Contains("invariants: ok", error);
        Assert.Equal(["t.jsonl"], Entries());
    }

    [Fact]
    public void Trace_to_standard_output_prints_json_lines_alone()
    {
        var (exit, output, error) = RunWith("--trace", "-");
        Assert.Equal(0, exit);
        var events = Lines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ev").GetString()).ToList();
        Assert.Equal(4, events.Count(e => e == "ack"));
        Assert.Contains("invariants: ok", error);
    }

    [Fact]
    public void Standard_output_that_fails_exits_3_and_leaves_no_trace_file()
    {
        var error = new StringWriter();
        int exit = ActorGicCommand.Run(["run", _scenario, "--engine", "reference", "--report", "-", "--trace", In("t.jsonl")], new BrokenPipe(), error);
        Assert.Equal(3, exit);
        AssertOneLine("--report: cannot write standard output: Broken pipe", error.ToString());
        Assert.Empty(Entries());
    }

    [Fact]
    public void A_symlink_stays_and_its_target_gets_the_report()
    {
        File.WriteAllText(In("real.json"), "old");
        File.CreateSymbolicLink(In("link.json"), "real.json");
        var (exit, _, _) = RunWith("--report", In("link.json"));
        Assert.Equal(0, exit);
        Assert.Equal("real.json", new FileInfo(In("link.json")).LinkTarget);
        using var report = JsonDocument.Parse(File.ReadAllText(In("real.json")));
        Assert.Equal("target list", report.RootElement.GetProperty("scenario").GetString());
        Assert.Equal(["link.json", "real.json"], Entries());
    }

    [Fact]
    public void A_dangling_symlink_gets_its_target_created()
    {
        Directory.CreateDirectory(In("sub"));
        File.CreateSymbolicLink(In("link.jsonl"), "sub/t.jsonl");
        Assert.Equal(0, RunWith("--trace", In("link.jsonl")).Exit);
        Assert.Equal("sub/t.jsonl", new FileInfo(In("link.jsonl")).LinkTarget);
        Assert.Contains("\"ev\":\"ack\"", File.ReadAllText(In("sub/t.jsonl")));
        Assert.Equal(["t.jsonl"], Directory.EnumerateFileSystemEntries(In("sub")).Select(Path.GetFileName));
    }

    [Fact]
    public void Replacing_a_report_keeps_the_old_files_permissions()
    {
        File.WriteAllText(In("r.json"), "old");
        File.SetUnixFileMode(In("r.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(0, RunWith("--report", In("r.json")).Exit);
        Assert.StartsWith("{", File.ReadAllText(In("r.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(In("r.json")));
        Assert.Equal(["r.json"], Entries());
    }

    [Fact]
    public void Dev_null_is_written_in_place_and_stays_a_device()
    {
        var (exit, output, _) = RunWith("--report", "/dev/null", "--trace", "/dev/null");
        Assert.Equal(0, exit);
        Assert.Contains("invariants: ok", output);
        Assert.Equal(FileKind.CharDevice, FileKinds.Of("/dev/null").Kind);
    }

    [Fact]
    public async Task A_fifo_is_written_in_place_for_its_reader_and_stays_a_fifo()
    {
        string fifo = In("pipe");
        Assert.Equal(0, MakeFifo(fifo, 0x1b6));
        // The reader's open waits for the writer's, as a shell's cat would; a writer that never comes is let in below.
        var reader = Task.Run(() => File.ReadAllText(fifo));
        try
        {
            Assert.Equal(0, RunWith("--report", fifo).Exit);
            using var report = JsonDocument.Parse(await reader.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(4, report.RootElement.GetProperty("totals").GetProperty("delivered").GetInt32());
            Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo).Kind);
            Assert.Equal(["pipe"], Entries());
        }
        finally
        {
            if (!reader.IsCompleted) new FileStream(fifo, FileMode.Open, FileAccess.Write).Dispose();
        }
    }

    [Fact]
    public void Dev_full_fails_with_exit_3_stays_a_device_and_leaves_no_trace_nor_temporary()
    {
        var (exit, output, error) = RunWith("--trace", In("t.jsonl"), "--report", "/dev/full");
        Assert.Equal(3, exit);
        Assert.Equal("", output);
        AssertOneLine("--report: cannot write /dev/full: No space left on device", error);
        Assert.Equal(FileKind.CharDevice, FileKinds.Of("/dev/full").Kind);
        Assert.Empty(Entries());
    }

    [Fact]
    public void Opening_an_output_creates_nothing_that_an_interrupted_run_could_leave()
    {
        using var file = OutputFile.Open("--report", In("r.json"), TextWriter.Null);
        Assert.Empty(Entries());
    }

    [Fact]
    public void Dispose_never_throws_when_the_temporary_is_already_gone()
    {
        Directory.CreateDirectory(In("sub"));
        var file = OutputFile.Open("--report", In("sub/r.json"), TextWriter.Null);
        Directory.Delete(In("sub"), recursive: true);
        file.Dispose();
        Assert.Empty(Entries());
    }

    private const string GoodLine = """{"t":1000,"cpu":1,"ev":"sgi-write","intid":1,"value":"0x0000000001000005"}""";

    [Theory]
    [InlineData("""{"t":"1000","cpu":1,"ev":"ack"}""", "t is \"1000\", not an integer")]
    [InlineData("""{"t":1.5,"cpu":1,"ev":"ack"}""", "t is 1.5, not an integer")]
    [InlineData("""{"t":1000,"cpu":"x","ev":"ack"}""", "cpu is \"x\", not an integer")]
    [InlineData("""{"t":1000,"cpu":4294967296,"ev":"ack"}""", "cpu is 4294967296, out of range")]
    [InlineData("""{"t":1000,"cpu":1,"ev":7}""", "ev is 7, not a string")]
    [InlineData("""{"t":1000,"cpu":1,"ev":"enter","handler":null}""", "handler is null, not a string")]
    [InlineData("""{"t":1000,"cpu":-1,"ev":"reclaim","phase":{}}""", "phase is an object, not a string")]
    [InlineData("""{"t":1000,"cpu":1,"ev":"ack","intid":[1]}""", "intid is an array, not an integer")]
    [InlineData("[1,2]", "not an actorgic trace event (needs t, cpu, ev)")]
    public void Perfetto_names_the_line_and_field_of_a_wrong_type_and_keeps_the_old_output(string bad, string expected)
    {
        File.WriteAllLines(In("t.jsonl"), [GoodLine, "", bad, GoodLine]);
        File.WriteAllText(In("t.json"), "old");
        var (exit, output, error) = Run("trace", "perfetto", In("t.jsonl"), "-o", In("t.json"));
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        AssertOneLine($"T.jsonl line 3: {expected}", error);
        Assert.Equal("old", File.ReadAllText(In("t.json")));
        Assert.Equal(["t.json", "t.jsonl"], Entries());
    }

    [Fact]
    public void Perfetto_to_standard_output_prints_the_json_alone()
    {
        File.WriteAllLines(In("t.jsonl"), [GoodLine]);
        var (exit, output, error) = Run("trace", "perfetto", In("t.jsonl"), "-o", "-");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("traceEvents").GetArrayLength()); // the event and CPU1's track name
        Assert.Equal(["wrote 1 trace events to standard output"], Lines(error));
        Assert.Equal(["t.jsonl"], Entries());
    }

    [Fact]
    public void Perfetto_to_a_directory_exits_2_naming_the_option()
    {
        File.WriteAllLines(In("t.jsonl"), [GoodLine]);
        var (exit, _, error) = Run("trace", "perfetto", In("t.jsonl"), "-o", _dir);
        Assert.Equal(2, exit);
        AssertOneLine($"--output: {_dir} is a directory", error);
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>Standard output whose reader has gone: every write fails, as EPIPE would.</summary>
    private sealed class BrokenPipe : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => throw new IOException("Broken pipe");
        public override void Write(char[] buffer, int index, int count) => throw new IOException("Broken pipe");
    }
}
