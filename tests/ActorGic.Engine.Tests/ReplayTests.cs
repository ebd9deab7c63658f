using System.Runtime.InteropServices;
using ActorGic.Kernel;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Replaying ftrace IPI traces: what the reader takes (ftrace's and trace-cmd's line forms), the
/// matching of raises to entries, every validation with the line it names, and every raise
/// accounted for in the report.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-replay").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Header = """
        # tracer: nop
        #
        # entries-in-buffer/entries-written: 9/9   #P:4
        #
        #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
        #              | |         |   |||||     |         |
        """;

    /// <summary>Lines 7-15: two reschedules to CPU 3 served by one entry, a call to CPUs 0 and 2, an entry before any raise.</summary>
    private const string Small = Header + "\n" + """
                  <idle>-0       [002] d.h..     1.000000: ipi_entry: (Function call interrupts)
                    init-1       [001] d....     1.000100: ipi_raise: target_mask=00000000,00000008 (Rescheduling interrupts)
                    init-1       [001] d....     1.000150: ipi_raise: target_mask=00000000,00000008 (Rescheduling interrupts)
                  <idle>-0       [003] dnh..     1.000400: ipi_entry: (Rescheduling interrupts)
                  <idle>-0       [003] dNh..     1.000410: ipi_exit: (Rescheduling interrupts)
             kworker/1:1-16      [001] d....     1.002000: ipi_send_cpumask: cpumask=00000000,00000005 callsite=on_each_cpu_cond_mask+0x2c/0x40 callback=x
             kworker/1:1-16      [001] d....     1.002001: ipi_raise: target_mask=00000000,00000005 (Function call interrupts)
                  <idle>-0       [000] d.h..     1.002300: ipi_entry: (Function call interrupts)
                  <idle>-0       [002] d.h..     1.003001: ipi_entry: (Function call interrupts)
        """;

    private string WriteTrace(string text, string name = "t.trace.txt")
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text.ReplaceLineEndings("\n"));
        return file;
    }

    private static ReplayTrace Read(string text, string profile = "linux-6.12", FtraceOptions? options = null)
    {
        KernelProfiles.TryGet(profile, out var kernel);
        return FtraceReader.Read(new StringReader(text), "t", kernel, options ?? new FtraceOptions());
    }

    private string Scenario(string trace, string replayKeys = "", string topology = "topology { cpus = 4 }", string more = "", string profile = "linux-6.12") => $$"""
        scenario {
          name = "replay test"
          {{topology}}
          kernel { profile = {{profile}} }
          actions = [
            { at = 0, do = replay, trace = "{{trace}}" {{replayKeys}} }
            {{more}}
          ]
        }
        """;

    [Fact]
    public void Raises_are_sent_at_their_recorded_times_and_send_events_are_counted_not_replayed()
    {
        var t = Read(Small);
        Assert.Equal(4, t.Cpus); // #P:4
        Assert.Equal(15, t.Lines);
        Assert.Equal(3, t.Count);
        Assert.Equal([100_000L, 150_000, 2_001_000], t.Times); // after the first event, 1.000000
        Assert.Equal([1, 1, 1], t.Senders);
        Assert.Equal([0, 0, 1], t.Owners); // RESCHEDULE is SGI 0, CALL_FUNC SGI 1
        Assert.Equal([0, 2], t.TargetsOf(2).ToArray());
        Assert.Equal([0, 1, 2], t.BySender[1]);
        Assert.Equal(1, t.Events["ipi_send_cpumask"]);
        Assert.Equal(3, t.Events["ipi_raise"]);
        Assert.Equal(4, t.Events["ipi_entry"]);
    }

    [Fact]
    public void An_entry_serves_every_earlier_raise_of_its_reason_to_its_cpu()
    {
        var t = Read(Small);
        // Both reschedules to CPU 3 were served by the one entry at 1.000400 (coalesced on the real machine).
        Assert.Equal([250_000L, 300_000], t.Recorded["RESCHEDULE"].Sorted);
        Assert.Equal([299_000L, 1_000_000], t.Recorded["CALL_FUNC"].Sorted);
        Assert.Equal(0, t.Recorded["CALL_FUNC"].Unmatched);
        Assert.Equal(1, t.UnmatchedEntries); // CPU 2's entry at 1.000000, before any raise
    }

    [Fact]
    public void Trace_cmd_report_lines_without_flags_and_with_a_tgid_column_are_read()
    {
        var t = Read("""
            cpus=4
            version = 6
                      bash-1234  (  1234) [001]  5.500000: ipi_raise: target_mask=00000000,00000001 (Rescheduling interrupts)
                    <idle>-0     [000]  5.500010: ipi_entry: (Rescheduling interrupts)
            CPU 3 is empty
                 Web Content-77  [002] d..2.  5.600000: sched_switch: prev_comm=x
                 Web Content-77  [002] d..2.  5.600001: ipi_raise: target_mask=00000001,00000000,00000001 (Function call interrupts)
            """);
        Assert.Equal(2, t.Count);
        Assert.Equal([0, 64], t.TargetsOf(1).ToArray()); // words most significant first
        Assert.Equal(65, t.Cpus); // no #P: the highest CPU seen plus one
        Assert.Equal(1, t.Events["other"]);
        Assert.Equal([10_000L], t.Recorded["RESCHEDULE"].Sorted);
    }

    [Theory]
    [InlineData("this is not ftrace", "line 1: not an ftrace event line")]
    [InlineData("  init-1 [001] d.... 1.5: ipi_raise: target_mask=zz (Rescheduling interrupts)", "line 1: ipi_raise without target_mask")]
    [InlineData("  init-1 [001] d.... 1.5: ipi_raise: target_mask=00000000 (Rescheduling interrupts)", "line 1: ipi_raise with an empty target_mask")]
    [InlineData("  init-1 [001] d.... 1.5: ipi_entry: Rescheduling interrupts", "line 1: ipi_entry without (REASON)")]
    [InlineData("  init-1 [001] d.... 1.5: ipi_send_cpu: callsite=x", "line 1: ipi_send_cpu without cpu=N")]
    [InlineData("  init-1 [001] d.... 2.5: ipi_exit: (Rescheduling interrupts)\n  init-1 [001] d.... 1.5: ipi_exit: (Rescheduling interrupts)", "line 2: time 1.5 s is before")]
    public void A_malformed_line_is_refused_naming_its_line(string text, string expected)
    {
        var e = Assert.Throws<FtraceReader.LineException>(() => Read(text));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void A_reason_the_profile_does_not_have_is_refused_naming_its_line()
    {
        // "CPU stop NMIs" is 6.12's label for SGI 3; linux-6.1 calls SGI 3 "CPU stop (for crash dump) interrupts".
        var e = Assert.Throws<FtraceReader.LineException>(() =>
            Read("# c\n  init-1 [001] d.... 1.5: ipi_raise: target_mask=00000000,00000002 (CPU stop NMIs)", "linux-6.1"));
        Assert.Equal(2, e.Line);
        Assert.Contains("reason \"CPU stop NMIs\" is no IPI of linux-6.1", e.Message);
        Assert.Equal(3, Read("  init-1 [001] d.... 1.5: ipi_raise: target_mask=00000000,00000002 (CPU stop NMIs)").Owners[0]);
    }

    [Fact]
    public void A_cpu_outside_the_topology_is_refused_naming_its_line()
    {
        var e = Assert.Throws<FtraceReader.LineException>(() => Read(Small, options: new FtraceOptions { CpuLimit = 3 }));
        Assert.Equal(8, e.Line); // the raise to CPU 3
        Assert.Contains("target CPU 3 is outside the topology (CPUs 0-2)", e.Message);
        var sender = Assert.Throws<FtraceReader.LineException>(() => Read(Small, options: new FtraceOptions { CpuLimit = 2 }));
        Assert.Equal(7, sender.Line); // the entry on CPU 2
        Assert.Contains("CPU 2 is outside the topology (CPUs 0-1)", sender.Message);
    }

    [Fact]
    public void Skipped_lines_are_counted_by_reason()
    {
        var t = Read(Small + "\ngarbage\n  init-1 [001] d.... 9.0: ipi_raise: target_mask=00000000,00000002 (Nope interrupts)\n",
            options: new FtraceOptions { CpuLimit = 3, Skip = true });
        Assert.Equal(1, t.Skipped["malformed"]);
        Assert.Equal(1, t.Skipped["unknown_reason"]);
        Assert.Equal(4, t.Skipped["cpu_out_of_range"]); // the two raises to CPU 3, CPU 3's entry and exit
        Assert.Equal(1, t.Count); // the call to CPUs 0 and 2
    }

    [Fact]
    public void A_window_replays_the_raises_inside_it_and_counts_the_others()
    {
        var t = Read(Small, options: new FtraceOptions { From = 120_000, Until = 2_500_000 });
        Assert.Equal([30_000L, 1_881_000], t.Times);
        Assert.Equal(1, t.OutsideWindow["RESCHEDULE"]);
        Assert.Equal([250_000L], t.Recorded["RESCHEDULE"].Sorted); // samples of replayed raises only
    }

    [Fact]
    public void Every_raise_is_accounted_for_and_a_hung_sender_sends_no_more()
    {
        var trace = WriteTrace(Small);
        // CPU 1 hangs between its second reschedule (150 us) and its call (2.001 ms).
        var report = TestRuns.Hocon(Scenario(trace, more: "{ at = 1ms, cpu = 1, do = hang }"));
        var replay = report.Replay!;
        Assert.Equal((2L, 2L, 0L, 2L), (replay.PerIpi["RESCHEDULE"].Raises, replay.PerIpi["RESCHEDULE"].Sent, replay.PerIpi["RESCHEDULE"].NotSent, replay.PerIpi["RESCHEDULE"].Requests));
        Assert.Equal((1L, 0L, 1L, 0L), (replay.PerIpi["CALL_FUNC"].Raises, replay.PerIpi["CALL_FUNC"].Sent, replay.PerIpi["CALL_FUNC"].NotSent, replay.PerIpi["CALL_FUNC"].Requests));
        Assert.Equal(2, report.PerIpi["RESCHEDULE"].Requested);
        Assert.Equal(0, report.PerIpi["CALL_FUNC"].Requested);
        Assert.Equal(2_001_000 + 1_000_000, report.EndNs); // no end: 1 ms after the last send
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
    }

    [Fact]
    public void A_replicated_trace_drives_every_copy_within_itself()
    {
        var trace = WriteTrace(Small);
        var report = TestRuns.Hocon(Scenario(trace, ", map = replicate", "topology { cpus = 10 }"));
        var replay = report.Replay!;
        Assert.Equal((2, "replicate"), (replay.Copies, replay.Map)); // 10 CPUs hold two copies of 4; CPUs 8 and 9 get none
        Assert.Equal(4, replay.PerIpi["RESCHEDULE"].Raises);
        // Copy 1 sends from CPU 5 to CPU 7 (its CPU 3), and CALL_FUNC to CPUs 4 and 6.
        Assert.Equal(new long[] { 0, 0, 0, 2, 0, 0, 0, 2, 0, 0 }, report.PerCpu.Select(c => c.Ipis["RESCHEDULE"]).ToArray());
        Assert.Equal(new long[] { 1, 0, 1, 0, 1, 0, 1, 0, 0, 0 }, report.PerCpu.Select(c => c.Ipis["CALL_FUNC"]).ToArray());
        Assert.Equal(4, report.PerIpi["RESCHEDULE"].Requested);
        Assert.Equal(4, report.PerIpi["CALL_FUNC"].Requested);
    }

    [Fact]
    public void Time_scale_stretches_the_recorded_intervals()
    {
        var trace = WriteTrace(Small);
        var report = TestRuns.Hocon(Scenario(trace, ", time-scale = 0.5"));
        Assert.Equal(1_000_500, report.Replay!.LastSendNs);
    }

    public static TheoryData<string, string, string> BadReplays() => new()
    {
        { "", "topology { cpus = 3 }", "scenario.actions[0].trace: TRACE line 8: target CPU 3 is outside the topology (CPUs 0-2)" },
        { ", map = replicate", "topology { cpus = 3 }", "scenario.actions[0].map: the trace has 4 CPUs: a topology of 3 cannot hold one copy" },
        { ", map = replicate, copies = 3", "topology { cpus = 8 }", "scenario.actions[0].map: 3 copies of the trace's 4 CPUs need 12 CPUs; the topology has 8" },
        { ", map = replicate", "", "scenario.actions[0].map: map = replicate needs a topology larger than the trace: give topology.cpus" },
        { ", map = mirror", "", "scenario.actions[0].map: \"mirror\" is not off or replicate" },
        { ", copies = 2", "", "scenario.actions[0].copies: copies need map = replicate" },
        { ", time-scale = 0", "", "scenario.actions[0].time-scale: \"0\" is not a time scale from 1e-6 to 1e6" },
        { ", trace-from = 2ms, trace-until = 1ms", "", "scenario.actions[0].trace-until: 1000000ns is before trace-from (2000000ns)" },
        { ", speed = 2", "", "scenario.actions[0].speed: unknown key" },
    };

    [Theory]
    [MemberData(nameof(BadReplays))]
    public void A_bad_replay_is_refused_naming_its_path(string keys, string topology, string expected)
    {
        var trace = WriteTrace(Small);
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(trace, keys, topology)));
        Assert.StartsWith(expected.Replace("TRACE", trace), e.Message);
    }

    [Fact]
    public void A_replay_must_fit_the_run_need_a_linux_profile_and_be_the_only_one()
    {
        var trace = WriteTrace(Small);
        var late = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(trace).Replace("actions", "end = 2ms\n  actions")));
        Assert.StartsWith("scenario.actions[0]: the replay's last send is at 2001000ns, after the scenario's end (2000000ns)", late.Message);
        var none = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(trace, profile: "none")));
        Assert.StartsWith("scenario.actions[0].do: replay sends the era's IPIs by their /proc/interrupts labels: it needs a Linux kernel profile", none.Message);
        var two = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(trace, more: $"{{ at = 0, do = replay, trace = \"{trace}\" }}")));
        Assert.StartsWith("scenario.actions[1].do: one replay per scenario", two.Message);
    }

    [Fact]
    public void A_trace_must_be_a_regular_file_within_the_size_limit()
    {
        var missing = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(Path.Combine(_dir, "nope.txt"))));
        Assert.StartsWith("scenario.actions[0].trace: no such trace file", missing.Message);
        var directory = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(_dir)));
        Assert.EndsWith("is a directory, not a trace file", directory.Message);
        if (OperatingSystem.IsLinux())
        {
            var device = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario("/dev/zero")));
            Assert.EndsWith("is a character device, not a regular file", device.Message);
            string fifo = Path.Combine(_dir, "fifo");
            Assert.Equal(0, MakeFifo(fifo, 0x180));
            var pipe = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(fifo)));
            Assert.EndsWith("is a FIFO, not a regular file", pipe.Message);
        }
        string large = Path.Combine(_dir, "large.txt");
        using (var f = File.Create(large)) f.SetLength(ReplayLoader.MaxTraceBytes + 1L);
        var tooLarge = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(Scenario(large)));
        Assert.Contains("is larger than 32 MiB, the limit for a trace", tooLarge.Message);
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
