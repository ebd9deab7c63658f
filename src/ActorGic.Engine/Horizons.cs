namespace ActorGic.Engine;

/// <summary>
/// How far each component may run ahead of the earliest event anywhere (T), from the latency of
/// each link into it rather than the smallest latency of the whole system. A CPU and its own
/// redistributor talk over the 20 ns link, but everything else reaches them through a
/// distributor or another CPU's memory, both slower; so a CPU whose redistributor is quiet can
/// safely run to T + 40 or T + 60 where one global window would stop at T + 20.
/// <para>
/// The horizon H(c) is a lower bound on the time of any event that can still reach c while the
/// components run their current windows: events c holds before H(c) are final. With S(x) the
/// earliest time x can send anything (its own next event, or the earliest arrival into it) and
/// every component's S at least T:
/// </para>
/// <list type="bullet">
/// <item>I(redistributor) = min(min(E(distributor), T + min(cpu-to-distributor, chip-to-chip)) + distributor-to-redistributor, T + remote-atomic): the earliest arrival from anyone but its CPU (its chip's distributor, the reclaimer);</item>
/// <item>S(redistributor) = min(E(redistributor), E(cpu) + cpu-to-redistributor, I(redistributor));</item>
/// <item>S(cpu) = min(E(cpu), E(redistributor) + redistributor-to-cpu, T + remote-atomic, I(redistributor) + redistributor-to-cpu);</item>
/// <item>H(cpu) = min(S(redistributor) + redistributor-to-cpu, T + remote-atomic) (other CPUs' atomics, the reclaimer);</item>
/// <item>H(redistributor) = min(S(cpu) + cpu-to-redistributor, I(redistributor));</item>
/// <item>H(distributor) = T + min(cpu-to-distributor, chip-to-chip); H(reclaimer) = T + min(remote-atomic, cpu-to-redistributor).</item>
/// </list>
/// A cycle back into c only adds latency, so it never lowers the bound. Every horizon is above
/// T, so the component holding the earliest event always runs, and the order in which a
/// component sees its events is (time, source, seq) however the windows fall: the digest does
/// not change.
/// </summary>
public sealed class Horizons
{
    private readonly Layout? _layout;
    private readonly long _cr, _rc, _dr, _cpuFar, _distributor, _reclaimer;
    /// <summary>The fastest link between two chips neither of which holds the reclaimer.</summary>
    private readonly long _across = NoLink;
    private readonly int _reclaimerChip = -1;

    /// <summary>A latency for a link that does not exist in the run: far beyond any run's end, and safe to add a time to.</summary>
    public const long NoLink = long.MaxValue / 4;

    /// <param name="cpuAtomics">
    /// Whether CPUs make atomics on other CPUs' memory (a Linux profile's call queue and stop
    /// notices, an NMI mux's words): without them, and without a reclaimer, nothing reaches a CPU
    /// or a redistributor but through its own chip's GIC, so their horizons and the lookahead
    /// between chips are longer. True unless the caller knows better (<c>Simulation.CpuAtomics</c>).
    /// </param>
    public Horizons(Layout layout, TimingModel timing, bool cpuAtomics = true)
    {
        _layout = layout;
        _cr = timing.CpuToRedistributor;
        _rc = timing.RedistributorToCpu;
        _dr = timing.DistributorToRedistributor;
        // The reclaimer's accesses to CPUs' memory take a remote atomic too.
        _cpuFar = cpuAtomics || layout.HasReclaimer ? timing.RemoteAtomic : NoLink;
        _distributor = Math.Min(timing.CpuToDistributor, timing.ChipToChip);
        _reclaimer = Math.Min(timing.RemoteAtomic, timing.CpuToRedistributor);
        // A CPU's horizon is at most T + remote-atomic, or T plus the way through its chip's GIC
        // (distributor, set-pending, offer); a redistributor's the same without the offer (see IntoRedistributor).
        long gic = _distributor + _dr + _rc;
        Reach = Math.Max(Math.Min(_cpuFar, gic), Math.Max(_distributor, _reclaimer));
        // Between chips only a distributor's forward, a CPU's atomic on another CPU's memory and the
        // reclaimer's messages travel; the reclaimer lives on one chip and talks to every other.
        _across = Math.Min(timing.ChipToChip, cpuAtomics ? timing.RemoteAtomicAcrossChips : NoLink);
        _reclaimerChip = layout.HasReclaimer ? layout.ChipOfComponent(layout.ReclaimerId) : -1;
        AcrossChips = layout.Chips < 2 ? NoLink : layout.HasReclaimer ? Math.Min(_across, _reclaimer) : _across;
    }

    private Horizons(long lookahead)
    {
        if (lookahead < 1) throw new ArgumentOutOfRangeException(nameof(lookahead));
        Reach = lookahead;
        AcrossChips = lookahead;
    }

    /// <summary>One window for everybody, [T, T + lookahead): what a keeper without a layout (a test's probes) uses.</summary>
    public static Horizons Uniform(long lookahead) => new(lookahead);

    /// <summary>No horizon is further than T + Reach: only components with an event before it can run.</summary>
    public long Reach { get; }

    /// <summary>
    /// The smallest latency of any message from one chip to another (<see cref="NoLink"/> with one
    /// chip). A node holds whole chips; <see cref="BetweenNodes"/> gives each pair of nodes its own.
    /// </summary>
    public long AcrossChips { get; }

    /// <summary>
    /// The cluster's lookahead: entry [m, n] is the least time an event at node m takes to cause
    /// one at node n (the shortest path over the fastest links between their chips, through any
    /// other node), and [n, n] the least time before something node n sends comes back to it
    /// through another node. A node whose earliest event is at E(m) can send nothing that lands at
    /// n before E(m) + [m, n]: each node may run to the least of those over every node, itself
    /// included.
    /// </summary>
    public long[,] BetweenNodes(int nodes, Func<int, int> nodeOfChip)
    {
        var d = new long[nodes, nodes];
        for (int m = 0; m < nodes; m++)
            for (int n = 0; n < nodes; n++)
                d[m, n] = NoLink;
        // Every node holds at least one chip: two nodes are linked as any two chips are, the reclaimer's node faster.
        int reclaimerNode = _reclaimerChip >= 0 ? nodeOfChip(_reclaimerChip) : -1;
        for (int m = 0; m < nodes; m++)
            for (int n = 0; n < nodes; n++)
                if (m != n) d[m, n] = m == reclaimerNode || n == reclaimerNode ? Math.Min(_across, _reclaimer) : _across;
        // Shortest paths (Floyd-Warshall): an event may reach n through other nodes faster than directly.
        for (int k = 0; k < nodes; k++)
            for (int m = 0; m < nodes; m++)
                for (int n = 0; n < nodes; n++)
                    if (m != n && d[m, k] + d[k, n] < d[m, n]) d[m, n] = Math.Min(NoLink, d[m, k] + d[k, n]);
        // The way out to another node and back.
        for (int n = 0; n < nodes; n++)
        {
            long loop = NoLink;
            for (int m = 0; m < nodes; m++)
                if (m != n) loop = Math.Min(loop, Math.Min(NoLink, d[n, m] + d[m, n]));
            d[n, n] = loop;
        }
        return d;
    }

    /// <summary>A uniform cluster lookahead (a keeper without a layout): every pair <paramref name="lookahead"/>, every way back twice that.</summary>
    public static long[,] UniformBetweenNodes(int nodes, long lookahead)
    {
        var d = new long[nodes, nodes];
        for (int m = 0; m < nodes; m++)
            for (int n = 0; n < nodes; n++)
                d[m, n] = m == n ? 2 * lookahead : lookahead;
        return d;
    }

    /// <summary>
    /// The horizon of <paramref name="component"/> when the earliest event anywhere is at
    /// <paramref name="t"/>; <paramref name="next"/> gives each component's earliest event (held
    /// or on its way to it), long.MaxValue if none.
    /// </summary>
    public long Of(int component, long t, long[] next)
    {
        var window = WindowOf(component, t, next);
        return window.Partner < 0 ? window.End : Math.Min(window.End, Add(next[component], window.Loop));
    }

    /// <summary>
    /// The horizon without the component's own round trip through its partner (a CPU's
    /// redistributor, a redistributor's CPU): the component itself tightens it while it runs, to
    /// the first event it sends its partner plus the way back (<see cref="Window.Back"/>). An
    /// event sent at time s reaches the partner no earlier than s plus the latency, so that is
    /// never before <see cref="Of"/>, and is later whenever the component keeps to itself.
    /// </summary>
    public Window WindowOf(int component, long t, long[] next)
    {
        if (_layout is null) return new Window(t + Reach, -1, 0, 0);
        if (_layout.IsCpu(component))
        {
            int redistributor = _layout.RedistributorId(component);
            long redistributorFloor = Math.Min(next[redistributor], IntoRedistributor(component, t, next));
            return new Window(Math.Min(Add(redistributorFloor, _rc), t + _cpuFar), redistributor, _rc, _cr + _rc);
        }
        if (_layout.IsRedistributor(component))
        {
            int cpu = component - _layout.Cpus;
            long into = IntoRedistributor(cpu, t, next);
            long cpuFloor = Math.Min(Math.Min(next[cpu], t + _cpuFar), into + _rc);
            return new Window(Math.Min(Add(cpuFloor, _cr), into), cpu, _cr, _rc + _cr);
        }
        return new Window(t + (_layout.IsDistributor(component) ? _distributor : _reclaimer), -1, 0, 0);
    }

    /// <summary>
    /// A component's window: run every event before <see cref="End"/>, and before the first
    /// event sent to <see cref="Partner"/> (-1: none) arrives there plus <see cref="Back"/>.
    /// <see cref="Loop"/> is the shortest round trip to the partner and back.
    /// </summary>
    public readonly record struct Window(long End, int Partner, long Back, long Loop);

    /// <summary>
    /// The earliest a redistributor can hear from anyone but its CPU: its chip's distributor
    /// sends no earlier than its own next event or what reaches it (a CPU's write, another
    /// chip's forward: T plus the faster of the two), plus the set-pending's latency; the
    /// reclaimer's writes take a remote atomic.
    /// </summary>
    private long IntoRedistributor(int cpu, long t, long[] next)
    {
        long distributor = Math.Min(next[_layout!.DistributorId(_layout.Topology.ChipOf(cpu))], t + _distributor);
        return Math.Min(distributor + _dr, t + _cpuFar);
    }

    private static long Add(long time, long latency) => time == long.MaxValue ? long.MaxValue : time + latency;
}
