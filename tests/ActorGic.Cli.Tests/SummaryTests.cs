namespace ActorGic.Cli.Tests;

/// <summary>The summary a kernel engineer reads, asserted whole (the wall time aside): each section appears when it has something to say.</summary>
public class SummaryTests
{
    private static string Summary(string file)
    {
        var (exit, output, _) = CliRunner.Run("run", Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", file), "--engine", "reference");
        Assert.Equal(0, exit);
        var lines = output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimEnd(), @", [0-9.]+ s wall$", ", WALL s wall"));
        return string.Join("\n", lines).TrimEnd();
    }

    /// <summary>A hung CPU that smp_send_stop never stopped: its state, the CPUs stopped and by which IPI, the unserved request, the invariants checked.</summary>
    [Fact]
    public void A_stop_with_a_hung_cpu_names_the_cpu_that_never_stopped()
    {
        Assert.Equal(""""
smp_send_stop with a hung CPU, linux-6.1
  topology: 8 CPUs, 1 chip, 1 cluster
  kernel linux-6.1; GIC: pseudo-NMI, 5 priority bits, EOImode 0, one security state
  engine reference, seed 1: 1.5 s virtual, 36 events, WALL s wall

                              CPU0   CPU1   CPU2   CPU3   CPU4   CPU5   CPU6   CPU7
─────────────────────────────────────────────────────────────────────────────────────
  IPI2: CPU stop interrupts      0      1      1      1      1      0      1      1
  spurious                       0      0      0      0      0      0      0      0

totals: sgi_writes 1  sent 7  coalesced 0  delivered 6  dropped 0  pending 1  lost 0  spurious 0
CPU state: CPU 5 hung
CPU state: CPUs 1-4, 6, 7 stopped by CPU_STOP
never stopped: CPU 5
kernel: SMP: failed to stop secondary CPUs 0,5

  IPI (linux-6.1)   mode        requested   sgi_sent   handled   pending   lost   refused
───────────────────────────────────────────────────────────────────────────────────────────
  CPU_STOP          dedicated   7           7          6         1         0      0

not sent: RESCHEDULE, CALL_FUNC, CPU_CRASH_STOP, TIMER, IRQ_WORK, WAKEUP

  latency    count   p50      p99       max      unserved   min to max (log)
──────────────────────────────────────────────────────────────────────────────
  CPU_STOP   6       150 ns   (n<100)   150 ns   1          █

invariants: ok
  conservation: 7 SGI targets written = 7 set-pendings sent = 0 coalesced + 6 delivered + 0 dropped + 1 pending
  checked: no request lost or misrouted, no SGI with two owners, every acknowledge legal (masks, priority, not active),
           EOIs nested, time never ran backwards
digest: d0e131a0dde1b8b7490f5344402edb108f47f2c355eced185141c0f2ae51ae0b
"""", Summary("stop-hung-cpu-6.1.conf"));
    }

    /// <summary>A reclaim whose first victim's drain a hung CPU stalls: the SGI table after it, the owners asked with the roll-back, the route check.</summary>
    [Fact]
    public void A_reclaim_shows_the_table_the_owners_asked_and_the_roll_back()
    {
        Assert.Equal(""""
linux-6.12: a hung CPU stalls the first victim's drain
  topology: 8 CPUs, 1 chip, 1 cluster
  kernel linux-6.12; GIC: pseudo-NMI, 5 priority bits, EOImode 0, one security state
  engine reference, seed 6: 400 us virtual, 571 events, WALL s wall

                                     CPU0   CPU1   CPU2   CPU3   CPU4   CPU5   CPU6   CPU7
────────────────────────────────────────────────────────────────────────────────────────────
  IPI4: Timer broadcast interrupts      3      5      5      5     11      5      0      8
  IRQ_WORK (on IPI1, ipi-mux)           0      1      1      0      0      0      0      0
  IPI5: cpu-pause interrupts            0      1      1      1      1      1      1      1
  spurious                              0      0      0      0      0      0      0      0

totals: sgi_writes 46  sent 52  coalesced 0  delivered 51  dropped 0  pending 1  lost 0  spurious 0
CPU state: CPU 6 hung

  IPI (linux-6.12)   mode        requested   sgi_sent   handled   pending   lost   refused
────────────────────────────────────────────────────────────────────────────────────────────
  TIMER              dedicated   43          43         42        1         0      0
  IRQ_WORK           ipi-mux     2           2          2         0         0      0
  cpu-pause          dedicated   7           7          7         0         0      0

not sent: RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, CPU_BACKTRACE, KGDB_ROUNDUP

  SGI   owner           nmi   mode        carries
────────────────────────────────────────────────────
  0     RESCHEDULE      no    dedicated
  1     CALL_FUNC       no    ipi-mux     IRQ_WORK
  2     CPU_STOP        no    dedicated
  3     CPU_STOP_NMI    yes   dedicated
  4     TIMER           no    dedicated
  5     cpu-pause       yes   dedicated
  6     CPU_BACKTRACE   yes   dedicated
  7     KGDB_ROUNDUP    yes   dedicated

request-sgi cpu-pause at 20.06 us from CPU0: granted SGI 5, taken from IRQ_WORK (now ipi-mux) in 53.327 us
  asked TIMER (SGI 4, 1 sent): accepted, ipi-mux
  asked TIMER: the drain of SGI 4 did not finish within 50000ns: CPU 6 still held it pending or active
  asked IRQ_WORK (SGI 5, 2 sent): accepted, ipi-mux
  rolled back: SGI 4 (TIMER) from 20.215 us to 70.751 us, its drain did not finish

  latency     count   p50      p99       max      unserved   min to max (log)
───────────────────────────────────────────────────────────────────────────────
  TIMER       42      150 ns   (n<100)   272 ns   1          █              ▁
  IRQ_WORK    2       150 ns   (n<100)   150 ns   0          █
  cpu-pause   7       150 ns   (n<100)   150 ns   0          █

invariants: ok
  conservation: 52 SGI targets written = 52 set-pendings sent = 0 coalesced + 51 delivered + 0 dropped + 1 pending
  checked: no request lost or misrouted, no SGI with two owners, every acknowledge legal (masks, priority, not active),
           EOIs nested, time never ran backwards, every CPU's routes match the reclaimer's table,
           every NMI reached the hung CPUs within the deadline
digest: aea2f0bef2055e54f0789e6f574af9de2bd7413e18e3ab53d837da99df275e44
"""", Summary("reclaim-drain-hung-6.12.conf"));
    }

    /// <summary>The histogram's shape in one line: fastest bucket left, slowest right, on the log scale; a gap is a blank.</summary>
    [Fact]
    public void A_sparkline_draws_the_histogram_on_its_log_scale()
    {
        // 150 ns is bucket index 66, 272 ns index 81: sixteen cells, one per bucket.
        var histogram = ActorGic.Engine.LatencyHistogram.OfSorted([.. Enumerable.Repeat(150L, 41), 272]);
        Assert.Equal("█              ▁", ActorGic.Cli.Sparkline.Of(histogram));
        Assert.Equal("▄  █", ActorGic.Cli.Sparkline.Of(ActorGic.Engine.LatencyHistogram.OfSorted([16, 16, 19, 19, 19, 19])));
        Assert.Equal("", ActorGic.Cli.Sparkline.Of(ActorGic.Engine.LatencyHistogram.OfSorted([])));
        // Wider than 16 buckets: cells gather neighbouring buckets.
        Assert.Equal(16, ActorGic.Cli.Sparkline.Of(ActorGic.Engine.LatencyHistogram.OfSorted([100, 100_000])).Length);
    }

    [Theory]
    [InlineData(450, "450 ns")]
    [InlineData(1_667, "1.667 us")]
    [InlineData(50_000, "50 us")]
    [InlineData(20_060, "20.06 us")]
    [InlineData(1_500_000_000, "1.5 s")]
    [InlineData(300_000_000, "300 ms")]
    public void Virtual_times_read_in_their_unit(long ns, string text) => Assert.Equal(text, ActorGic.Cli.Summary.Time(ns));
}
