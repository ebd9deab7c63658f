using System.Runtime.InteropServices;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>
/// Scenario files built to crash or hang the tool: each one ends at once with exit code 2 and
/// one line naming the file or HOCON path and the problem (they used to overflow the stack, loop
/// growing to gigabytes, or exit 3 with an internal error).
/// </summary>
public sealed class HostileScenarioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-hostile").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    private static void Refused(string expected, params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal([$"actorgic: {expected}"], Lines(error));
    }

    [Fact]
    public void A_bad_value_in_an_included_file_names_the_file_and_line()
    {
        Write("inc.conf", "scenario {\n  end = 1us\n  topology { cpus = x }\n}\n");
        string file = Write("main.conf", "include \"inc.conf\"\nscenario { seed = 2 }\n");
        Refused("scenario.topology.cpus: expected an integer, not \"x\" (set in inc.conf, line 3)", "run", file);
    }

    [Fact]
    public void A_value_the_main_file_sets_names_no_included_file()
    {
        Write("inc.conf", "scenario {\n  end = 1us\n  topology { cpus = 4 }\n}\n");
        string file = Write("main.conf", "include \"inc.conf\"\nscenario { topology { cpus = y } }\n");
        Refused("scenario.topology.cpus: expected an integer, not \"y\"", "run", file);
    }

    [Fact]
    public void Include_required_and_file_read_the_file_and_a_missing_one_is_named()
    {
        Write("inc.conf", "scenario { end = 1us }\n");
        string ok = Write("ok.conf", "include required(\"inc.conf\")\ninclude file( \"inc.conf\" )\nscenario { seed = 2 }\n");
        var (exit, output, _) = Run("run", ok, "--engine", "reference");
        Assert.Equal(0, exit);
        Assert.Contains("seed 2: 1 us virtual", output);
        string missing = Write("missing.conf", "include required(\"nothere.conf\")\nscenario { end = 1us }\n");
        Refused($"nothere.conf: included file not found ({Path.Combine(_dir, "nothere.conf")})", "run", missing);
    }

    [Fact]
    public void Include_url_and_classpath_are_refused_with_the_line()
    {
        string file = Write("url.conf", "scenario { end = 1us }\ninclude url(\"http://example.com/x.conf\")\n");
        Refused($"{file}: line 2: include url(...) and classpath(...) are not supported: include a file by its path", "run", file);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unknown command \"frobnicate\" (commands: run, trace, sgi, bench, node; actorgic --help lists them)")]
    [InlineData(new string[0], "no command given (commands: run, trace, sgi, bench, node; actorgic --help lists them)")]
    [InlineData(new[] { "run", "x.conf", "--threads", "abc" }, "--threads: expected a whole number, not \"abc\"")]
    public void Command_line_mistakes_read_as_a_user_wrote_them(string[] args, string expected) => Refused(expected, args);

    [Fact]
    public void A_file_including_itself()
    {
        string file = Write("self.conf", "include \"self.conf\"\nscenario { end = 1ms }");
        Refused($"{file}: include cycle: self.conf -> self.conf", "run", file);
    }

    [Fact]
    public void Two_files_including_each_other()
    {
        string a = Write("a.conf", "include \"b.conf\"\nscenario { end = 1ms }");
        string b = Write("b.conf", "include \"a.conf\"");
        Refused($"{b}: include cycle: a.conf -> b.conf -> a.conf", "run", a);
    }

    [Fact]
    public void An_include_cycle_given_to_sgi_encode_as_topology()
    {
        string file = Write("topology.conf", "include \"topology.conf\"\nscenario { topology { cpus = 8 } }");
        Refused($"{file}: include cycle: topology.conf -> topology.conf", "sgi", "encode", "--intid", "1", "--to", "0", "--topology", file);
    }

    [Fact]
    public void A_substitution_of_itself()
    {
        string file = Write("self-reference.conf", "scenario { end = ${scenario.end} }");
        Refused("scenario.end: substitution ${scenario.end} refers to itself", "run", file);
    }

    [Fact]
    public void An_optional_substitution_that_resolves_to_nothing()
    {
        string file = Write("optional.conf", "scenario { end = 1ms, name = ${?nope} }");
        Refused($"{file}: malformed HOCON: optional substitution ${{?...}} on line 1 is not supported: refer to a key that exists", "run", file);
    }

    [Fact]
    public void Objects_nested_twenty_thousand_deep()
    {
        string file = Write("objects.conf", "scenario { end = 1ms, x " + string.Concat(Enumerable.Repeat("{ a ", 20_000)) + "= 1" + new string('}', 20_000) + " }");
        Refused($"{file}: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 1, column 146", "run", file);
    }

    [Fact]
    public void Lists_nested_fifty_thousand_deep()
    {
        string file = Write("lists.conf", "scenario { end = 1ms, x = " + new string('[', 50_000) + new string(']', 50_000) + " }");
        Refused($"{file}: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 1, column 57", "run", file);
    }

    [Fact]
    public void A_dotted_key_fifty_thousand_parts_long()
    {
        string file = Write("dotted.conf", "scenario { end = 1ms }\n" + string.Join('.', Enumerable.Repeat("a", 50_000)) + " = 1");
        Refused($"{file}: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 2, column 65", "run", file);
    }

    [Fact]
    public void A_key_and_value_directly_inside_a_list()
    {
        string file = Write("list.conf", "scenario { actions = [ x = 1 ] }");
        Refused($"{file}: malformed HOCON: '=' cannot stand directly inside a list at line 1, column 26 (a list holds values: write {{ key = value }} for a block)", "run", file);
    }

    [Theory]
    [InlineData("scenario { end = null }", "scenario.end: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = null, do = hang } ] }", "scenario.actions[0].cpu: null is not a value here: give one, or leave the key out")]
    public void Null_as_a_value(string hocon, string expected) => Refused(expected, "run", Write("null.conf", hocon));

    [Theory]
    [InlineData("scenario { end = 1ms, actions = [ { at = [1us], cpu = 0, do = hang } ] }", "scenario.actions[0].at: expected a single value, not a block or list")]
    [InlineData("scenario { end = 1ms, kernel = linux-6.12 }", "scenario.kernel: expected a block { ... }")]
    [InlineData("scenario { end = 1ms, actions = { at = 1us } }", "scenario.actions: expected a list")]
    public void A_wrong_type(string hocon, string expected) => Refused(expected, "run", Write("type.conf", hocon));

    [Fact]
    public void Dev_zero_is_refused_at_once()
    {
        if (!OperatingSystem.IsLinux()) return; // the file type comes from Linux's statx
        Refused("/dev/zero: is a character device, not a regular file", "run", "/dev/zero");
        Refused("/dev/zero: is a character device, not a regular file", "sgi", "encode", "--intid", "1", "--to", "0", "--topology", "/dev/zero");
    }

    [Fact]
    public void A_fifo_is_refused_without_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = Path.Combine(_dir, "fifo.conf");
        Assert.Equal(0, MakeFifo(fifo, 0x180));
        Refused($"{fifo}: is a FIFO, not a regular file", "run", fifo);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        Refused($"{_dir}: is a directory, not a scenario file", "run", _dir);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused()
    {
        string file = Path.Combine(_dir, "huge.conf");
        using (var stream = File.Create(file)) stream.SetLength(4L << 30); // sparse: 4 GiB of zeros
        Refused($"{file}: larger than 1 MiB, the limit for a scenario with its included files", "run", file);
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
