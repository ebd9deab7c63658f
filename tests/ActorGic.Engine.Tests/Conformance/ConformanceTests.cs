namespace ActorGic.Engine.Tests.Conformance;

/// <summary>
/// The model against real kernels: every capture in tests/captures is run in the model (same
/// topology, era, pseudo-NMI setting and operations, <see cref="CaptureRun"/>) and every fact it
/// shows is held against the model's (<see cref="FactCheck"/>). The facts that differ are exactly
/// those tests/captures/not-modelled.txt lists, each under the reason the model does not cover it.
/// </summary>
public class ConformanceTests
{
    private static readonly Dictionary<string, FactCheck> Checks = new();

    /// <summary>Each capture is loaded and run once for all the tests that read it.</summary>
    private static FactCheck Check(string capture)
    {
        lock (Checks)
        {
            if (!Checks.TryGetValue(capture, out var check))
                Checks[capture] = check = new FactCheck(CaptureRun.Of(Capture.Load(capture)));
            return check;
        }
    }

    public static TheoryData<string> Captures() => new(Capture.Names());

    public static string ListPath => Path.Combine(ScenarioLoaderTests.RepoRoot(), "tests", "captures", "not-modelled.txt");

    /// <summary>The committed list: "## reason" headers, each followed by the fact lines it explains.</summary>
    public static IReadOnlyDictionary<string, string> Listed(string? path = null)
    {
        var reasons = new Dictionary<string, string>();
        string? reason = null;
        foreach (var raw in File.ReadLines(path ?? ListPath))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.StartsWith("# ", StringComparison.Ordinal)) continue;
            if (line.StartsWith("## ", StringComparison.Ordinal)) { reason = line[3..].Trim(); continue; }
            if (string.IsNullOrEmpty(reason)) throw new InvalidDataException($"not-modelled.txt: '{line}' comes before any '## reason'");
            if (!reasons.TryAdd(line, reason)) throw new InvalidDataException($"not-modelled.txt lists '{line}' twice");
        }
        return reasons;
    }

    private static void Conforms(string capture, params string[] kinds)
    {
        var check = Check(capture);
        var differs = check.Differences.Where(d => kinds.Contains(d.Split(" | ")[2])).Order(StringComparer.Ordinal).ToList();
        var listed = Listed().Keys.Where(l => l.StartsWith(capture + " | ", StringComparison.Ordinal) && kinds.Contains(l.Split(" | ")[2]))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(listed, differs);
        // Not vacuous: each kind compared agrees on at least one fact of this capture.
        foreach (var kind in kinds) Assert.True(check.Agreed.GetValueOrDefault(kind) > 0, $"{capture}: no {kind} fact agreed");
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Boot_programming_agrees_mpidrs_labels_groups_enables_and_priorities(string capture) =>
        Conforms(capture, FactCheck.Boot, FactCheck.Pmr);

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_icc_sgi1r_write_of_each_operation_agrees_per_writer_in_order(string capture) =>
        Conforms(capture, FactCheck.Writes);

    [Theory]
    [MemberData(nameof(Captures))]
    public void Pendings_and_acknowledges_of_each_operation_agree(string capture) =>
        Conforms(capture, FactCheck.Pendings, FactCheck.Acks);

    [Theory]
    [MemberData(nameof(Captures))]
    public void Proc_interrupts_deltas_of_the_backtrace_agree_per_cpu_and_ipi(string capture) =>
        Conforms(capture, FactCheck.ProcInterrupts);

    [Theory]
    [MemberData(nameof(Captures))]
    public void Backtrace_printers_and_stop_messages_agree(string capture) =>
        Conforms(capture, FactCheck.Console);

    [Fact]
    public void Every_listed_fact_names_a_capture_and_a_reason()
    {
        var names = Capture.Names().ToHashSet();
        var listed = Listed();
        Assert.NotEmpty(listed);
        Assert.All(listed, kv =>
        {
            Assert.Contains(kv.Key.Split(" | ")[0], names);
            Assert.Equal(4, kv.Key.Split(" | ").Length);
            Assert.False(string.IsNullOrWhiteSpace(kv.Value));
        });
    }

    [Fact]
    public void A_capture_without_a_field_of_meta_txt_is_refused_by_name()
    {
        Assert.Equal("20", Capture.MetaField("kernel_arg=6.1 image=x n=20 mode=std", "n"));
        var e = Assert.Throws<InvalidDataException>(() => Capture.MetaField("kernel_arg=6.1 image=x mode=std", "n"));
        Assert.Equal("meta.txt has no n", e.Message);
    }

    [Fact]
    public void A_capture_mode_the_suite_cannot_replay_is_refused_by_name()
    {
        var capture = Capture.Load("6.1-n20-std");
        var e = Assert.Throws<InvalidDataException>(() => CaptureRun.Of(new Capture
        {
            Name = "reboot-capture", Profile = capture.Profile, PseudoNmi = false, Mode = "reboot", Cpus = capture.Cpus,
            Writes = [], Banks = capture.Banks, PmrWrites = capture.PmrWrites, PmrFirst = capture.PmrFirst, Phases = capture.Phases,
            IpiTables = capture.IpiTables, IpiLabels = capture.IpiLabels, ConsoleByPhase = capture.ConsoleByPhase, BootedMpidr = capture.BootedMpidr,
        }));
        Assert.Equal("reboot-capture: unknown mode reboot", e.Message);
    }

    [Fact]
    public void The_list_reader_refuses_a_fact_listed_twice()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "## a reason\n6.1-n20-std | boot | pmr | x\n## another\n6.1-n20-std | boot | pmr | x\n");
            var e = Assert.Throws<InvalidDataException>(() => Listed(path));
            Assert.Contains("twice", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_list_reader_refuses_a_fact_without_a_reason()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "6.1-n20-std | boot | pmr | x\n");
            var e = Assert.Throws<InvalidDataException>(() => Listed(path));
            Assert.Contains("before any '## reason'", e.Message);
        }
        finally { File.Delete(path); }
    }
}
