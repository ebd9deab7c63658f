using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// <c>do = restart</c> (machine_restart): smp_send_stop to the CPUs still in cpu_online_mask, after
/// a panic's crash stop or on its own, as each era does it; and what the stops print.
/// </summary>
public class RestartTests
{
    /// <summary>20 CPUs as QEMU virt numbers them; CPU 0 panics (crash stop), then restarts once the stop has finished waiting.</summary>
    private static (RunReport Report, ulong[] Writes) Panic(string profile, string nmi = "none", string first = "crash-stop", string extra = "",
        string restartAt = "1020ms") =>
        TestRuns.Hocon($$"""
            scenario { end = 2100ms
              topology { cpus = 20, cpus-per-cluster = 16 }
              gic { nmi = {{nmi}} }
              kernel { profile = {{profile}} }
              actions = [
                {{extra}}
                { at = 10us, cpu = 0, do = {{first}} }
                { at = {{restartAt}}, cpu = 0, do = restart }
              ] }
            """, keepTrace: true, out var sim).WithWrites(sim);

    [Theory]
    [InlineData("linux-6.1")]
    [InlineData("linux-6.7")]
    public void Before_6_9_restart_stops_the_crash_stopped_cpus_again_and_fails(string profile)
    {
        var (report, writes) = Panic(profile);
        // crash_smp_send_stop: CPU_CRASH_STOP to CPUs 1-19 (two writes: Aff1 0 and Aff1 1), all park.
        // machine_restart's smp_send_stop: CPU_STOP to the same CPUs, still online, and parked.
        Assert.Equal([0x000000000300FFFEUL, 0x000000000301000FUL, 0x000000000200FFFEUL, 0x000000000201000FUL], writes);
        Assert.All(report.PerCpu.Skip(1), c => Assert.Equal("CPU_CRASH_STOP", c.StoppedBy));
        Assert.Equal(new IpiCounts(19, 19, 0, 19, 0), report.PerIpi["CPU_STOP"]);
        Assert.Equal(["SMP: failed to stop secondary CPUs 0-19"], report.Flows.Console);
        Assert.Equal(Enumerable.Range(1, 19), report.Flows.NotStopped);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Linux_6_12_takes_crash_stopped_cpus_offline_so_restart_sends_nothing()
    {
        var (report, writes) = Panic("linux-6.12");
        Assert.Equal([0x000000000200FFFEUL, 0x000000000201000FUL], writes);
        Assert.All(report.PerCpu.Skip(1), c => Assert.Equal("CPU_STOP", c.StoppedBy));
        Assert.Empty(report.Flows.Console);
        Assert.Empty(report.Flows.NotStopped);
    }

    [Fact]
    public void Restart_on_its_own_is_one_smp_send_stop()
    {
        var (report, writes) = Panic("linux-6.1", first: "idle");
        Assert.Equal([0x000000000200FFFEUL, 0x000000000201000FUL], writes);
        Assert.All(report.PerCpu.Skip(1), c => Assert.Equal("CPU_STOP", c.StoppedBy));
        Assert.Empty(report.Flows.Console);
    }

    [Fact]
    public void Linux_6_12_retries_a_hung_cpu_with_the_nmi_and_says_so()
    {
        var (report, writes) = Panic("linux-6.12", nmi: "pseudo", first: "stop", extra: "{ at = 1us, cpu = 1, do = hang }");
        Assert.Equal([0x000000000200FFFEUL, 0x000000000201000FUL, 0x0000000003000002UL], writes);
        Assert.Equal(["SMP: retry stop with NMI for CPUs 1"], report.Flows.Console);
        Assert.Equal("CPU_STOP_NMI", report.PerCpu[1].StoppedBy);
    }

    [Fact]
    public void A_failed_6_1_crash_stop_names_the_cpus_it_sent_to_and_a_failed_stop_the_online_ones()
    {
        // CPU 5 hangs with IRQs masked: 6.1 has no NMI, so neither stop reaches it.
        var (report, _) = Panic("linux-6.1", extra: "{ at = 1us, cpu = 5, do = hang }");
        Assert.Equal(["SMP: failed to stop secondary CPUs 1-19", "SMP: failed to stop secondary CPUs 0-19"], report.Flows.Console);
    }

    [Fact]
    public void A_restart_while_the_crash_stop_still_waits_starts_when_the_wait_ends()
    {
        // CPU 5 never answers, so the crash stop waits its full second; the restart scripted at
        // 20 us runs after it, as machine_restart follows crash_smp_send_stop on the panicking CPU.
        var (report, writes) = Panic("linux-6.1", extra: "{ at = 1us, cpu = 5, do = hang }", restartAt: "20us");
        Assert.Equal([0x000000000300FFFEUL, 0x000000000301000FUL, 0x000000000200FFFEUL, 0x000000000201000FUL], writes);
        Assert.Equal(["SMP: failed to stop secondary CPUs 1-19", "SMP: failed to stop secondary CPUs 0-19"], report.Flows.Console);
    }

    [Fact]
    public void Restart_needs_a_linux_profile()
    {
        var e = Assert.Throws<ScenarioException>(() =>
            ScenarioLoader.LoadText("scenario { end = 10us\n topology { cpus = 2 }\n actions = [ { at = 1us, cpu = 0, do = restart } ] }"));
        Assert.Equal("scenario.actions[0].do: restart is a Linux flow: it needs a Linux kernel profile, not none", e.Message);
    }
}

internal static class WriteExtensions
{
    /// <summary>The ICC_SGI1R_EL1 values every CPU wrote, in trace order.</summary>
    public static (RunReport Report, ulong[] Writes) WithWrites(this RunReport report, Simulation sim) =>
        (report, sim.Components.SelectMany(c => c.Trace.Events).Where(e => e.Kind == TraceKind.SgiWrite)
            .OrderBy(e => e, TraceEvent.Canonical).Select(e => (ulong)e.Value).ToArray());
}
