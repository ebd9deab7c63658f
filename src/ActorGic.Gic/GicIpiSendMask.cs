namespace ActorGic.Gic;

/// <summary>
/// What Linux's gic_ipi_send_mask() (drivers/irqchip/irq-gic-v3.c) writes to ICC_SGI1R_EL1 for a
/// cpumask: it walks the mask in logical-CPU order and emits one write per *consecutive run* of
/// CPUs that share an SGI cluster id (Aff3.Aff2.Aff1 and Aff0[7:4]). An interleaved numbering
/// therefore costs more writes than a cluster-contiguous one. Linux never sets IRM.
/// </summary>
public static class GicIpiSendMask
{
    /// <summary>Appends the writes for <paramref name="cpus"/> (ascending, distinct) to <paramref name="writes"/>.</summary>
    public static void Compute(Topology topology, int intid, ReadOnlySpan<int> cpus, List<ulong> writes)
    {
        if (!Intid.IsSgi(intid))
            throw new ArgumentOutOfRangeException(nameof(intid), intid, "an SGI is INTID 0 to 15");
        int i = 0;
        while (i < cpus.Length)
        {
            ulong clusterId = topology.MpidrOf(cpus[i]).SgiClusterId;
            ushort targetList = 0;
            // gic_compute_target_list(): extend the run while the next CPU in the mask is in the same cluster.
            while (i < cpus.Length && topology.MpidrOf(cpus[i]).SgiClusterId == clusterId)
            {
                targetList |= (ushort)(1 << topology.MpidrOf(cpus[i]).TargetListBit);
                i++;
            }
            writes.Add(Sgi1r.ForCluster(clusterId, targetList, intid).Encode());
        }
    }

    public static List<ulong> Compute(Topology topology, int intid, IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().Order().ToArray();
        foreach (int cpu in sorted)
            if ((uint)cpu >= (uint)topology.CpuCount)
                throw new ArgumentOutOfRangeException(nameof(cpus), cpu, $"CPU {cpu} does not exist (cpus = {topology.CpuCount})");
        var writes = new List<ulong>();
        Compute(topology, intid, sorted, writes);
        return writes;
    }
}
