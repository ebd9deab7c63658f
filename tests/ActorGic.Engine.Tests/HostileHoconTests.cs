using System.Runtime.InteropServices;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Scenario text built to hurt the loader: each guard made to fire, and each refusal one line
/// naming the file or the HOCON path.
/// </summary>
public sealed class HostileHoconTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-hostile").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    private static string Refusal(Action load)
    {
        var e = Assert.Throws<ScenarioException>(load);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static string RefusalOf(string hocon) => Refusal(() => ScenarioLoader.LoadText(hocon));

    [Theory]
    [InlineData("scenario { end = null }", "scenario.end: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, name = null }", "scenario.name: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, seed = null }", "scenario.seed: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, actions = [ { at = null, cpu = 0, do = hang } ] }", "scenario.actions[0].at: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 1, to = [null] } ] }", "scenario.actions[0].to[0]: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, topology = null }", "scenario.topology: expected a block { ... }")]
    [InlineData("scenario { end = 1ms, actions = null }", "scenario.actions: expected a list")]
    public void Null_is_refused_by_its_path(string hocon, string expected) => Assert.Equal(expected, RefusalOf(hocon));

    [Theory]
    [InlineData("scenario { end = [1ms] }", "scenario.end: expected a single value, not a block or list")]
    [InlineData("scenario { end = { ms = 1 } }", "scenario.end: expected a single value, not a block or list")]
    [InlineData("scenario { end = 1ms, gic = [1] }", "scenario.gic: expected a block { ... }")]
    [InlineData("scenario { end = 1ms, actions = { at = 1us } }", "scenario.actions: expected a list")]
    [InlineData("scenario { end = 1ms, actions = [ [1] ] }", "scenario.actions[0]: expected an action { at = ..., cpu = ..., do = ... }")]
    [InlineData("scenario { end = 1ms, nmi-users = [ 5 ] }", "scenario.nmi-users[0]: expected { name = NAME, priority = N }")]
    [InlineData("scenario { end = 1ms, timing { ipi-handlers { RESCHEDULE = [1] } } }", "scenario.timing.ipi-handlers.RESCHEDULE: expected a single value, not a block or list")]
    [InlineData("scenario { end = 1ms, topology { cpus = 2, mpidr = [ [0] ] } }", "scenario.topology.mpidr[0]: expected a single value, not a block or list")]
    [InlineData("scenario = [ { end = 1ms } ]", "scenario: missing: a scenario file has one scenario { ... } block")]
    public void A_wrong_type_is_refused_by_its_path(string hocon, string expected) => Assert.Equal(expected, RefusalOf(hocon));

    [Fact]
    public void A_key_across_lines_is_named_on_one_line()
    {
        // Akka skips the second '=' and reads "2", the line break and "b" as one key.
        Assert.Equal("scenario.2\\n  b: unknown key (known: name, seed, end, topology, gic, kernel, timing, nmi-users, reclaim, invariants, actions)",
            RefusalOf("scenario { end = 1ms = 2\n  b = 3 }"));
    }

    [Fact]
    public void A_file_including_itself_is_an_include_cycle()
    {
        string file = Write("self.conf", "include \"self.conf\"\nscenario { end = 1ms }");
        Assert.Equal($"{file}: include cycle: self.conf -> self.conf", Refusal(() => ScenarioLoader.LoadFile(file)));
    }

    [Fact]
    public void Two_files_including_each_other_are_an_include_cycle()
    {
        string a = Write("a.conf", "include \"b.conf\"\nscenario { end = 1ms }");
        string b = Write("b.conf", "include \"a.conf\"");
        Assert.Equal($"{b}: include cycle: a.conf -> b.conf -> a.conf", Refusal(() => ScenarioLoader.LoadFile(a)));
    }

    [Fact]
    public void Includes_nest_at_most_eight_deep()
    {
        for (int i = 0; i < 10; i++) Write($"level{i}.conf", i < 9 ? $"include \"level{i + 1}.conf\"" : "scenario { end = 1ms }");
        string eighth = Path.Combine(_dir, "level8.conf");
        Assert.Equal($"{eighth}: includes nest more than 8 deep (including level9.conf)",
            Refusal(() => ScenarioLoader.LoadFile(Path.Combine(_dir, "level0.conf"))));
        Assert.Equal(1_000_000, ScenarioLoader.LoadFile(Path.Combine(_dir, "level1.conf")).End);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused_before_it_is_parsed()
    {
        string file = Path.Combine(_dir, "huge.conf");
        using (var stream = File.Create(file)) stream.SetLength(2L << 30); // sparse: 2 GiB of zeros
        Assert.Equal($"{file}: larger than 1 MiB, the limit for a scenario with its included files", Refusal(() => ScenarioLoader.LoadFile(file)));
    }

    [Fact]
    public void Included_files_count_against_the_same_mebibyte()
    {
        string half = Write("half.conf", "# " + new string('x', 600_000) + "\n");
        string main = Write("main.conf", "include \"half.conf\"\ninclude \"half.conf\"\nscenario { end = 1ms }");
        Assert.Equal($"{half}: larger than 1 MiB, the limit for a scenario with its included files", Refusal(() => ScenarioLoader.LoadFile(main)));
    }

    [Fact]
    public void A_text_over_one_mebibyte_is_refused()
    {
        string text = "scenario { end = 1ms }\n# " + new string('x', HoconFile.MaxBytes);
        Assert.Equal("scenario: larger than 1 MiB, the limit for a scenario with its included files", RefusalOf(text));
    }

    [Fact]
    public void A_character_device_is_refused_without_reading_it()
    {
        if (!OperatingSystem.IsLinux()) return; // the file type comes from Linux's statx
        Assert.Equal("/dev/zero: is a character device, not a regular file", Refusal(() => ScenarioLoader.LoadFile("/dev/zero")));
    }

    [Fact]
    public void A_fifo_is_refused_without_opening_it()
    {
        if (!OperatingSystem.IsLinux()) return; // the file type comes from Linux's statx
        string fifo = Path.Combine(_dir, "pipe.conf");
        Assert.Equal(0, MakeFifo(fifo, 0x180));
        Assert.Equal($"{fifo}: is a FIFO, not a regular file", Refusal(() => ScenarioLoader.LoadFile(fifo)));
    }

    [Fact]
    public void A_directory_is_refused()
    {
        Assert.Equal($"{_dir}: is a directory, not a scenario file", Refusal(() => ScenarioLoader.LoadFile(_dir)));
        Write("dir-include.conf", "include \"sub\"\nscenario { end = 1ms }");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        Assert.Equal($"{Path.Combine(_dir, "sub")}: is a directory, not a scenario file",
            Refusal(() => ScenarioLoader.LoadFile(Path.Combine(_dir, "dir-include.conf"))));
    }

    [Fact]
    public void A_file_that_fails_to_read_is_refused()
    {
        if (!OperatingSystem.IsLinux()) return; // reading /proc/self/mem at offset 0 fails with EIO
        Assert.StartsWith("/proc/self/mem: cannot be read: ", Refusal(() => ScenarioLoader.LoadFile("/proc/self/mem")));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [Theory]
    [InlineData("scenario { end = ${scenario.end} }", "scenario.end: substitution ${scenario.end} refers to itself")]
    [InlineData("scenario { end = 1ms, timing { handler = ${scenario.timing} } }", "scenario.timing.handler: substitution ${scenario.timing} refers to itself")]
    [InlineData("scenario { end = ${scenario.name}, name = ${scenario.end} }", "scenario.name: substitution ${scenario.end} refers to itself (through ${scenario.name})")]
    [InlineData("scenario { end = 1ms, name = ${scenario.seed.x}, seed = ${scenario.gic}, gic = ${scenario.seed} }", "scenario: substitutions refer to each other in a circle")]
    [InlineData("scenario { end = 1ms, name = ${?nope} }", "scenario: malformed HOCON: optional substitution ${?...} on line 1 is not supported: refer to a key that exists")]
    [InlineData("scenario { end = 1ms, name = ${ scenario.end } }", "scenario: malformed HOCON: malformed substitution on line 1: write ${path.to.key}")]
    [InlineData("scenario { end = 1ms, name = ${scenario..end} }", "scenario: malformed HOCON: malformed substitution on line 1: write ${path.to.key}")]
    [InlineData("scenario { end = 1ms, name = ${nope} }", "scenario: unresolved substitution ${nope}: no such key")]
    public void Substitutions_that_cannot_resolve_safely_are_refused(string hocon, string expected) =>
        Assert.Equal(expected, RefusalOf(hocon));

    [Fact]
    public void A_long_substitution_chain_is_refused()
    {
        string text = "scenario { end = 1ms, name = ${a100} }\na0 = x\n" + string.Concat(Enumerable.Range(1, 100).Select(i => $"a{i} = ${{a{i - 1}}}\n"));
        Assert.Equal("a39: values nest more than 64 deep once substitutions and included files are followed", RefusalOf(text));
    }

    [Fact]
    public void A_long_substitution_chain_read_after_it_is_checked_is_refused()
    {
        string text = "a0 = x\n" + string.Concat(Enumerable.Range(1, 100).Select(i => $"a{i} = ${{a{i - 1}}}\n")) + "scenario { end = 1ms, name = ${a100} }";
        Assert.Equal("a62: values nest more than 64 deep once substitutions and included files are followed", RefusalOf(text));
    }

    [Fact]
    public void Resolving_through_a_long_chain_of_unresolved_substitutions_is_refused()
    {
        // x100 is resolved first and needs x99's block, which needs x98's, ...: recursion, bounded.
        string text = "scenario { end = 1ms }\n" + string.Concat(Enumerable.Range(1, 100).Reverse().Select(i => $"x{i} = ${{x{i - 1}.q}}\n")) + "x0 { q { q = 1 } }";
        Assert.Equal("scenario: substitution ${x34.q} goes through more than 64 other substitutions", RefusalOf(text));
    }

    [Fact]
    public void Substitutions_that_double_each_time_are_refused()
    {
        string text = "scenario { end = 1ms, name = ${a40} }\na0 = xxxxxxxxxxxxxxxx\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"a{i} = ${{a{i - 1}}}${{a{i - 1}}}\n"));
        Assert.Equal("a18: substitutions expand this past 4 Mi characters", RefusalOf(text));
    }

    [Fact]
    public void A_substitution_of_an_existing_key_still_works()
    {
        var s = ScenarioLoader.LoadText("""
            scenario {
              end = 1ms
              name = ${scenario.kernel.profile}" run"
              kernel { profile = none }
              timing { handler = 2us, exception-entry = ${scenario.timing.handler} }
              actions = [ { at = 1us, cpu = 0, do = irq-off, for = ${scenario.timing.handler} } ]
            }
            """);
        Assert.Equal("none run", s.Name);
        Assert.Equal(2_000, s.Timing.ExceptionEntry);
        Assert.Equal(2_000, s.Actions[0].For);
    }

    [Fact]
    public void Objects_nested_twenty_thousand_deep_are_refused()
    {
        string text = "scenario { end = 1ms, x " + string.Concat(Enumerable.Repeat("{ a ", 20_000)) + "= 1" + new string('}', 20_000) + " }";
        Assert.Equal("scenario: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 1, column 146", RefusalOf(text));
    }

    [Fact]
    public void Lists_nested_fifty_thousand_deep_are_refused()
    {
        string text = "scenario { end = 1ms, x = " + new string('[', 50_000) + new string(']', 50_000) + " }";
        Assert.Equal("scenario: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 1, column 57", RefusalOf(text));
    }

    [Fact]
    public void A_dotted_key_of_fifty_thousand_parts_is_refused()
    {
        string text = "scenario { end = 1ms }\n" + string.Join('.', Enumerable.Repeat("a", 50_000)) + " = 1";
        Assert.Equal("scenario: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 2, column 65", RefusalOf(text));
    }

    [Fact]
    public void Dotted_parts_that_akka_reads_across_skipped_braces_count_too()
    {
        // Akka's ParseKeyContent skips '}', so x { a } . b { c } . d ... nests although every brace closes.
        string text = "scenario { end = 1ms }\nx { a0 }" + string.Concat(Enumerable.Range(1, 20_000).Select(i => $" . b{i} {{ a{i} }}"));
        Assert.StartsWith("scenario: malformed HOCON: blocks, lists and dotted keys nest more than 32 deep at line 2", RefusalOf(text));
    }

    [Fact]
    public void Keys_whose_dotted_paths_add_up_past_sixteen_mebicharacters_are_refused()
    {
        // Akka builds "long-key.child" for every child: 20,000 characters times 1,000 children.
        string text = "scenario { end = 1ms }\n" + new string('k', 20_000) + " {\n" + string.Concat(Enumerable.Range(0, 1_000).Select(i => $"c{i} = 1\n")) + "}";
        Assert.Equal("scenario: malformed HOCON: keys too long for their number at line 840, column 6 (their dotted paths pass 16 Mi characters)", RefusalOf(text));
    }

    [Theory]
    [InlineData("scenario { end = 1ms, actions = [ x = 1 ] }", "'=' cannot stand directly inside a list at line 1, column 37")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us } : 2 ] }", "':' cannot stand directly inside a list at line 1, column 48")]
    [InlineData("scenario { end = 1ms, actions = [ ? ] }", "'?' cannot stand directly inside a list at line 1, column 35")]
    [InlineData("scenario { end = 1ms, actions = [ { { } = 1 } ] }", "'=' cannot stand directly inside a list at line 1, column 41")]
    public void A_list_akka_would_never_leave_is_refused(string hocon, string where) =>
        Assert.Equal($"scenario: malformed HOCON: {where} (a list holds values: write {{ key = value }} for a block)", RefusalOf(hocon));

    [Theory]
    [InlineData("scenario { end = 1ms, ${scenario.end} = 1 }", "scenario: malformed HOCON: a substitution can only stand in a value at line 1, column 23")]
    [InlineData("include ${x}\nscenario { end = 1ms }", "scenario: malformed HOCON: a substitution can only stand in a value at line 1, column 9")]
    [InlineData("\"\"\"a\" = ${x}\"\"\"", "scenario: malformed HOCON: malformed substitution at line 1, column 13: write ${path.to.key}")]
    public void Substitutions_where_akka_reads_no_value_are_refused(string hocon, string expected) =>
        Assert.Equal(expected, RefusalOf(hocon));
}
