namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 3: the PEs, their SGI clusters, Linux's grouping of a cpumask into writes, and RSS.</summary>
public class TopologyTests
{
    private static Topology Mpidrs(bool rss, params ulong[] values) =>
        Topology.FromMpidrs(values.Select(v => new Mpidr(v)).ToArray(), rss);

    // Section 3: Linux emits one write per consecutive run of CPUs with the same cluster id.
    [Fact]
    public void Cluster_contiguous_numbering_costs_one_write_per_cluster()
    {
        var topology = Mpidrs(rss: false, 0x000, 0x001, 0x100, 0x101);

        var writes = GicIpiSendMask.Compute(topology, 1, [0, 1, 2, 3]);

        Assert.Equal([0x0000000001000003UL, 0x0000000001010003UL], writes);
    }

    // Section 3: an interleaved numbering therefore costs more writes.
    [Fact]
    public void Interleaved_numbering_costs_one_write_per_cpu()
    {
        var topology = Mpidrs(rss: false, 0x000, 0x100, 0x001, 0x101);

        var writes = GicIpiSendMask.Compute(topology, 1, [0, 1, 2, 3]);

        Assert.Equal([0x0000000001000001UL, 0x0000000001010001UL, 0x0000000001000002UL, 0x0000000001010002UL], writes);
    }

    // A one-CPU mask is one write: the precomputed value, with the INTID in bits [27:24], is what the grouping computes.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_write_to_one_cpu_is_the_grouping_of_a_one_cpu_mask(bool rss)
    {
        var topology = Topology.Regular(300, cpusPerCluster: rss ? 32 : 16, clustersPerChip: 4, rss: rss);
        for (int cpu = 0; cpu < topology.CpuCount; cpu++)
            foreach (int intid in new[] { 0, 7, 15 })
                Assert.Equal(GicIpiSendMask.Compute(topology, intid, [cpu]), [topology.SgiTo(cpu) | (ulong)intid << 24]);
    }

    // Section 3: a run is consecutive *in the mask*: CPUs left out of the mask do not break it.
    [Fact]
    public void Cpus_outside_the_mask_do_not_break_a_run()
    {
        var topology = Mpidrs(rss: false, 0x000, 0x100, 0x001, 0x101);

        var writes = GicIpiSendMask.Compute(topology, 1, [2, 0]);

        Assert.Equal([0x0000000001000003UL], writes);
    }

    // Section 3: Linux never sets IRM, even when the mask is every CPU but the sender.
    [Fact]
    public void Linux_never_sets_irm()
    {
        var topology = Topology.Regular(40);

        var writes = GicIpiSendMask.Compute(topology, 0, Enumerable.Range(1, 39));

        Assert.Equal([0x0000000000FFFEUL, 0x000000000001FFFFUL, 0x00000000000200FFUL], writes);
        Assert.All(writes, w => Assert.False(Sgi1r.Decode(w).Irm));
    }

    // Section 3: without RSS a topology with Aff0 > 15 is rejected at boot, as Linux's gic_cpu_sys_reg_init() does.
    [Fact]
    public void Topology_without_rss_rejects_aff0_above_15()
    {
        var ex = Assert.Throws<GicConfigurationException>(() => Mpidrs(rss: false, 0x00, 0x01, 0x10));

        Assert.Equal(GicError.NoRss, ex.Error);
        Assert.Contains("can't SGI", ex.Message);
        Assert.Contains("no RSS", ex.Message);
        Assert.Contains("CPU2", ex.Message);
    }

    // Section 3: a regular topology with clusters above 16 CPUs also needs RSS.
    [Fact]
    public void Regular_topology_with_20_cpus_per_cluster_needs_rss()
    {
        var ex = Assert.Throws<GicConfigurationException>(() => Topology.Regular(20, cpusPerCluster: 20));
        var withRss = Topology.Regular(20, cpusPerCluster: 20, rss: true);

        Assert.Contains("can't SGI", ex.Message);
        Assert.Contains("no RSS", ex.Message);
        Assert.True(withRss.Rss);
        Assert.Equal(0x13UL, withRss.MpidrOf(19).Value);
        Assert.Equal(2, withRss.ClusterCount);
    }

    // Section 3: the PEs one write can reach are those sharing Aff3.Aff2.Aff1 and Aff0[7:4], indexed by Aff0[3:0].
    [Fact]
    public void Cluster_slots_index_pes_by_target_list_bit()
    {
        var topology = Topology.Regular(20, cpusPerCluster: 16);

        var second = topology.ClusterSlots(0x100).ToArray();

        Assert.Equal(0x103UL, topology.MpidrOf(19).Value);
        Assert.Equal([16, 17, 18, 19, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1], second);
        Assert.Equal(Enumerable.Range(0, 16).ToArray(), topology.ClusterSlots(0x000).ToArray());
        Assert.True(topology.ClusterSlots(0x200).IsEmpty);
        Assert.Equal(18, topology.FindCpu(new Mpidr(0x102)));
        Assert.Equal(-1, topology.FindCpu(new Mpidr(0x104)));
    }

    // Section 3: Aff3.Aff2 names the chip (one distributor per chip, section 8).
    [Fact]
    public void Regular_topology_counts_chips_by_aff3_aff2()
    {
        var topology = Topology.Regular(10, cpusPerCluster: 2, clustersPerChip: 2);

        Assert.Equal(3, topology.ChipCount);
        Assert.Equal(5, topology.ClusterCount);
        Assert.Equal(0x0001_0100UL, topology.MpidrOf(6).Value);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], Enumerable.Range(0, 10).Select(topology.ChipOf).ToArray());
    }

    // Interleaved numbering: consecutive CPUs go round the clusters (then the chips they sit on), core by core.
    [Fact]
    public void Interleaved_numbering_goes_round_the_clusters_core_by_core()
    {
        var topology = Topology.Regular(8, cpusPerCluster: 2, clustersPerChip: 2, numbering: CpuNumbering.Interleaved);

        Assert.Equal([0x0UL, 0x100, 0x1_0000, 0x1_0100, 0x1, 0x101, 0x1_0001, 0x1_0101],
            Enumerable.Range(0, 8).Select(cpu => topology.MpidrOf(cpu).Value).ToArray());
        Assert.Equal([0, 0, 1, 1, 0, 0, 1, 1], Enumerable.Range(0, 8).Select(topology.ChipOf).ToArray());
        Assert.Equal(4, topology.ClusterCount);
        // A broadcast is then one write per CPU, as Interleaved_numbering_costs_one_write_per_cpu writes it out.
        Assert.Equal(8, GicIpiSendMask.Compute(topology, 1, [0, 1, 2, 3, 4, 5, 6, 7]).Count);
    }

    // A CPU count that does not fill the clusters: interleaved fills them evenly (4, 3, 3), contiguous in order (4, 4, 2).
    [Fact]
    public void Interleaved_numbering_fills_clusters_evenly()
    {
        var interleaved = Topology.Regular(10, cpusPerCluster: 4, numbering: CpuNumbering.Interleaved);
        var contiguous = Topology.Regular(10, cpusPerCluster: 4);

        Assert.Equal([0x0UL, 0x100, 0x200, 0x1, 0x101, 0x201, 0x2, 0x102, 0x202, 0x3],
            Enumerable.Range(0, 10).Select(cpu => interleaved.MpidrOf(cpu).Value).ToArray());
        Assert.Equal([0x0UL, 0x1, 0x2, 0x3, 0x100, 0x101, 0x102, 0x103, 0x200, 0x201],
            Enumerable.Range(0, 10).Select(cpu => contiguous.MpidrOf(cpu).Value).ToArray());
        Assert.Equal(3, interleaved.ClusterCount);
    }

    // Section 3: two CPUs cannot share an MPIDR (one TargetList bit, one PE).
    [Fact]
    public void Duplicate_mpidr_is_rejected()
    {
        var ex = Assert.Throws<GicConfigurationException>(() => Mpidrs(rss: false, 0x100, 0x101, 0x100));

        Assert.Equal(GicError.BadAffinity, ex.Error);
        Assert.Contains("CPU2 and CPU0", ex.Message);
    }

    // Section 3: the INTID field has 4 bits; only SGIs 0-15 can be sent, and only to CPUs that exist.
    [Fact]
    public void Send_mask_rejects_non_sgi_intids_and_unknown_cpus()
    {
        var topology = Topology.Regular(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => GicIpiSendMask.Compute(topology, 16, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GicIpiSendMask.Compute(topology, -1, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GicIpiSendMask.Compute(topology, 1, [4]));
        Assert.Empty(GicIpiSendMask.Compute(topology, 1, []));
    }
}
