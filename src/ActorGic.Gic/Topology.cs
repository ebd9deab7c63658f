namespace ActorGic.Gic;

/// <summary>
/// The PEs of a system: the MPIDR of each logical CPU, which chip (distributor) each belongs to,
/// and the lookup an SGI write needs: from an SGI cluster id to the up-to-16 PEs it addresses,
/// so that the cost of a write follows its targets, never the CPU count.
/// </summary>
public sealed class Topology
{
    private readonly Mpidr[] _mpidr;
    private readonly int[] _chipOf;
    private readonly ulong[] _sgiTo;
    private readonly Dictionary<ulong, int[]> _clusters;

    private Topology(Mpidr[] mpidr, bool rss)
    {
        _mpidr = mpidr;
        Rss = rss;
        _chipOf = new int[mpidr.Length];
        _sgiTo = new ulong[mpidr.Length];
        _clusters = new Dictionary<ulong, int[]>();
        var chips = new Dictionary<int, int>();
        for (int cpu = 0; cpu < mpidr.Length; cpu++)
        {
            var m = mpidr[cpu];
            if (!chips.TryGetValue(m.ChipKey, out int chip))
                chips.Add(m.ChipKey, chip = chips.Count);
            _chipOf[cpu] = chip;
            if (!_clusters.TryGetValue(m.SgiClusterId, out var slots))
            {
                slots = new int[16];
                Array.Fill(slots, -1);
                _clusters.Add(m.SgiClusterId, slots);
            }
            if (slots[m.TargetListBit] >= 0)
                throw new GicConfigurationException(GicError.BadAffinity,
                    $"CPU{cpu} and CPU{slots[m.TargetListBit]} have the same MPIDR {m}");
            slots[m.TargetListBit] = cpu;
            _sgiTo[cpu] = Sgi1r.ForCluster(m.SgiClusterId, (ushort)(1 << m.TargetListBit), 0).Encode();
        }
        ChipCount = chips.Count;
    }

    public int CpuCount => _mpidr.Length;
    public int ChipCount { get; }
    public bool Rss { get; }
    public int ClusterCount => _clusters.Count;

    public Mpidr MpidrOf(int cpu) => _mpidr[cpu];
    public int ChipOf(int cpu) => _chipOf[cpu];

    /// <summary>
    /// The ICC_SGI1R_EL1 value that reaches exactly <paramref name="cpu"/> with INTID 0: what
    /// gic_ipi_send_mask writes for a one-CPU mask, less the INTID (bits [27:24]). Computed once,
    /// since a traffic storm makes one such write per request.
    /// </summary>
    public ulong SgiTo(int cpu) => _sgiTo[cpu];

    /// <summary>
    /// The 16 PEs (or -1) that share an SGI cluster id, indexed by TargetList bit. Empty when no PE
    /// has that cluster id.
    /// </summary>
    public ReadOnlySpan<int> ClusterSlots(ulong sgiClusterId) =>
        _clusters.TryGetValue(sgiClusterId, out var slots) ? slots : ReadOnlySpan<int>.Empty;

    /// <summary>The logical CPU with this affinity, or -1.</summary>
    public int FindCpu(Mpidr mpidr)
    {
        var slots = ClusterSlots(mpidr.SgiClusterId);
        return slots.IsEmpty ? -1 : slots[mpidr.TargetListBit];
    }

    /// <summary>
    /// A regular topology: Aff0 counts CPUs within a cluster, Aff1 clusters within a chip, Aff2
    /// (then Aff3) chips. Clusters above 16 CPUs need RSS. <paramref name="numbering"/> says which
    /// logical CPU gets which PE (<see cref="CpuNumbering"/>); both use the same clusters and chips.
    /// </summary>
    public static Topology Regular(int cpus, int cpusPerCluster = 16, int clustersPerChip = 256, bool rss = false,
        CpuNumbering numbering = CpuNumbering.Contiguous)
    {
        if (cpus < 1)
            throw new GicConfigurationException(GicError.BadConfiguration, $"cpus must be at least 1, not {cpus}");
        if (cpusPerCluster is < 1 or > 256)
            throw new GicConfigurationException(GicError.BadAffinity,
                $"cpus-per-cluster must be 1 to 256, not {cpusPerCluster}");
        if (clustersPerChip is < 1 or > 256)
            throw new GicConfigurationException(GicError.BadAffinity,
                $"clusters-per-chip must be 1 to 256, not {clustersPerChip}");
        long chips = ((long)cpus + (long)cpusPerCluster * clustersPerChip - 1) / ((long)cpusPerCluster * clustersPerChip);
        if (chips > 65536)
            throw new GicConfigurationException(GicError.BadAffinity,
                $"{cpus} CPUs need {chips} chips; Aff3.Aff2 addresses at most 65536");
        var mpidr = new Mpidr[cpus];
        int clusters = (cpus + cpusPerCluster - 1) / cpusPerCluster;
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            // Interleaved: CPU i is core i / C of cluster i mod C. Each cluster then holds at most
            // ceil(cpus / C) <= cpusPerCluster cores; a count that does not fill the last cluster
            // leaves the clusters evenly filled (10 CPUs in clusters of 4: 4, 3, 3, not 4, 4, 2).
            var (cluster, core) = numbering == CpuNumbering.Interleaved
                ? (cpu % clusters, cpu / clusters)
                : (cpu / cpusPerCluster, cpu % cpusPerCluster);
            int chip = cluster / clustersPerChip;
            mpidr[cpu] = Mpidr.FromAffinity((byte)(chip >> 8), (byte)chip, (byte)(cluster % clustersPerChip), (byte)core);
        }
        return FromMpidrs(mpidr, rss);
    }

    /// <summary>An explicit MPIDR per logical CPU, masked as Linux masks it.</summary>
    public static Topology FromMpidrs(IReadOnlyList<Mpidr> mpidrs, bool rss)
    {
        if (mpidrs.Count == 0)
            throw new GicConfigurationException(GicError.BadConfiguration, "a topology needs at least one CPU");
        var list = mpidrs.ToArray();
        if (!rss)
            CheckRss(list);
        return new Topology(list, rss);
    }

    /// <summary>
    /// Linux's boot check in gic_cpu_sys_reg_init(): without RSS no CPU can target an Aff0 above 15.
    /// </summary>
    private static void CheckRss(Mpidr[] mpidrs)
    {
        for (int cpu = 0; cpu < mpidrs.Length; cpu++)
        {
            if (mpidrs[cpu].RangeSelector != 0)
                throw new GicConfigurationException(GicError.NoRss,
                    $"CPU0 ({mpidrs[0]}) can't SGI CPU{cpu} ({mpidrs[cpu]}), no RSS (Aff0 {mpidrs[cpu].Aff0} > 15 needs rss)");
        }
    }
}

/// <summary>
/// How Linux's logical CPU numbers map onto the PEs of a regular topology. The kernel numbers CPUs
/// in the order firmware lists them (the device tree's cpu nodes, ACPI MADT's GICC entries), and
/// firmware lists them either way. The order decides what an IPI broadcast costs:
/// gic_ipi_send_mask writes one ICC_SGI1R_EL1 per consecutive run of CPUs in one cluster.
/// </summary>
public enum CpuNumbering
{
    /// <summary>Cluster by cluster: CPU i is core i mod N of cluster i / N (N CPUs per cluster); a broadcast is one write per cluster.</summary>
    Contiguous,

    /// <summary>
    /// Round-robin over the C clusters: CPU i is core i / C of cluster i mod C, so consecutive
    /// CPUs never share a cluster and a broadcast is one write per CPU (firmware that lists one
    /// core of every cluster, then the next core of every cluster).
    /// </summary>
    Interleaved,
}
