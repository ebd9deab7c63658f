namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 3: the ICC_SGI1R_EL1 layout, the worked examples, and what one write reaches.</summary>
public class Sgi1rTests
{
    private static Topology Mpidrs(bool rss, params ulong[] values) =>
        Topology.FromMpidrs(values.Select(v => new Mpidr(v)).ToArray(), rss);

    // Section 3 example: MPIDR 0x100-0x103, SGI 2 gives 0x000000000201000F.
    [Fact]
    public void Encode_one_cluster_of_four_gives_0x000000000201000F()
    {
        var topology = Mpidrs(rss: false, 0x100, 0x101, 0x102, 0x103);

        var writes = GicIpiSendMask.Compute(topology, 2, [0, 1, 2, 3]);

        Assert.Equal([0x000000000201000FUL], writes);
    }

    // Section 3 example: MPIDR 0x25, SGI 3 gives 0x0000200003000020 (RS = 2, bit 5).
    [Fact]
    public void Encode_aff0_0x25_gives_rs_2_bit_5()
    {
        var topology = Mpidrs(rss: true, 0x25);

        var writes = GicIpiSendMask.Compute(topology, 3, [0]);

        Assert.Equal([0x0000200003000020UL], writes);
    }

    // Section 3 example: CPUs with Aff0 0..19, SGI 4 gives 0x000000000400FFFF then 0x000010000400000F.
    [Fact]
    public void Encode_aff0_0_to_19_needs_two_writes()
    {
        var topology = Mpidrs(rss: true, Enumerable.Range(0, 20).Select(i => (ulong)i).ToArray());

        var writes = GicIpiSendMask.Compute(topology, 4, Enumerable.Range(0, 20));

        Assert.Equal([0x000000000400FFFFUL, 0x000010000400000FUL], writes);
    }

    // Section 3 examples, decoded field by field.
    [Theory]
    [InlineData(0x000000000201000FUL, 0x000F, 0x01, 2, 0, 0x100UL)]
    [InlineData(0x0000200003000020UL, 0x0020, 0x00, 3, 2, 0x020UL)]
    [InlineData(0x000000000400FFFFUL, 0xFFFF, 0x00, 4, 0, 0x000UL)]
    [InlineData(0x000010000400000FUL, 0x000F, 0x00, 4, 1, 0x010UL)]
    public void Decode_section_3_examples(ulong value, int targetList, int aff1, int intid, int rs, ulong clusterId)
    {
        var sgi = Sgi1r.Decode(value);

        Assert.Equal(new Sgi1r((ushort)targetList, (byte)aff1, (byte)intid, 0, false, (byte)rs, 0), sgi);
        Assert.Equal(clusterId, sgi.ClusterId);
        Assert.Equal(value, sgi.Encode());
    }

    // Section 3: the field layout, one field at a time at its full width.
    [Theory]
    [InlineData("TargetList", 0x0000_0000_0000_FFFFUL)]
    [InlineData("Aff1", 0x0000_0000_00FF_0000UL)]
    [InlineData("INTID", 0x0000_0000_0F00_0000UL)]
    [InlineData("Aff2", 0x0000_00FF_0000_0000UL)]
    [InlineData("IRM", 0x0000_0100_0000_0000UL)]
    [InlineData("RS", 0x0000_F000_0000_0000UL)]
    [InlineData("Aff3", 0x00FF_0000_0000_0000UL)]
    public void Each_field_sits_at_its_architected_bits(string field, ulong bits)
    {
        var sgi = field switch
        {
            "TargetList" => new Sgi1r(0xFFFF, 0, 0, 0, false, 0, 0),
            "Aff1" => new Sgi1r(0, 0xFF, 0, 0, false, 0, 0),
            "INTID" => new Sgi1r(0, 0, 15, 0, false, 0, 0),
            "Aff2" => new Sgi1r(0, 0, 0, 0xFF, false, 0, 0),
            "IRM" => new Sgi1r(0, 0, 0, 0, true, 0, 0),
            "RS" => new Sgi1r(0, 0, 0, 0, false, 15, 0),
            "Aff3" => new Sgi1r(0, 0, 0, 0, false, 0, 0xFF),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.Equal(bits, sgi.Encode());
        Assert.Equal(sgi, Sgi1r.Decode(bits));
    }

    // Section 3: the bits outside the fields are RES0 and decode ignores them.
    [Fact]
    public void Decode_ignores_res0_bits()
    {
        Assert.Equal(0xFF00_0E00_F000_0000UL, Sgi1r.Res0Mask);
        Assert.Equal(new Sgi1r(0, 0, 0, 0, false, 0, 0), Sgi1r.Decode(Sgi1r.Res0Mask));
        Assert.Equal(0x000000000201000FUL, Sgi1r.Decode(0x000000000201000FUL | Sgi1r.Res0Mask).Encode());
    }

    // Section 3: Linux's affinity packing: MPIDR masked with 0xff00ffffff, Aff3 at bit 32 (and at 55:48 in the write).
    [Fact]
    public void Linux_packs_mpidr_with_aff3_at_bit_32()
    {
        var mpidr = new Mpidr(0x0000_0001_8102_0304UL); // RES1 bit 31 and MT bit 24 are dropped

        Assert.Equal(0xFF00FFFFFFUL, new Mpidr(ulong.MaxValue).Value);
        Assert.Equal(0x01_0002_0304UL, mpidr.Value);
        Assert.Equal((byte)1, mpidr.Aff3);
        Assert.Equal((byte)2, mpidr.Aff2);
        Assert.Equal((byte)3, mpidr.Aff1);
        Assert.Equal((byte)4, mpidr.Aff0);
        var writes = GicIpiSendMask.Compute(Topology.FromMpidrs([mpidr], rss: false), 5, [0]);
        Assert.Equal([0x0001_0002_0503_0010UL], writes);
    }

    // Section 3: IRM = 1 reaches every PE except the writer; affinity and TargetList are ignored.
    [Fact]
    public void Irm_reaches_every_pe_except_the_writer()
    {
        var gic = TestGics.Create(cpus: 4);
        ulong value = new Sgi1r(TargetList: 0x0000, Aff1: 0x55, Intid: 6, Aff2: 0x66, Irm: true, Rs: 3, Aff3: 0x77).Encode();

        var result = gic.WriteSgi1r(1, value);

        Assert.Equal(new SgiWriteResult(3, 0, 0), result);
        Assert.Equal([true, false, true, true], Enumerable.Range(0, 4).Select(c => gic.Redistributor(c).IsPending(6)).ToArray());
    }

    // Section 3: one write reaches at most 16 PEs sharing Aff3.Aff2.Aff1 and Aff0[7:4].
    [Fact]
    public void One_write_reaches_at_most_the_16_pes_of_its_cluster()
    {
        var gic = new Gic(Mpidrs(rss: true, Enumerable.Range(0, 20).Select(i => (ulong)i).ToArray())).EnableAll();

        var result = gic.WriteSgi1r(0, 0x000000000400FFFFUL);

        Assert.Equal(new SgiWriteResult(16, 0, 0), result);
        for (int cpu = 0; cpu < 20; cpu++)
            Assert.Equal(cpu < 16, gic.Redistributor(cpu).IsPending(4));
    }

    // Section 3: RS needs RSS on CPU and distributor; without it a write with RS != 0 is an error and reaches nobody.
    [Fact]
    public void Range_selector_without_rss_is_an_error()
    {
        var gic = TestGics.Create(cpus: 2);

        var result = gic.WriteSgi1r(0, 0x000010000400000FUL);

        Assert.False(gic.Config.Rss);
        Assert.Equal(new SgiWriteResult(0, 0, 0, GicError.NoRss), result);
        Assert.Equal(0u, gic.Redistributor(0).PendingBits | gic.Redistributor(1).PendingBits);
    }

    // Section 3: TargetList bits name Aff0 values; bits with no PE behind them, and clusters with no PE, reach nobody.
    [Fact]
    public void Target_list_bits_without_a_pe_reach_nobody()
    {
        var gic = TestGics.Create(cpus: 2);

        var wholeList = gic.WriteSgi1r(0, new Sgi1r(0xFFFF, 0, 1, 0, false, 0, 0).Encode());
        var emptyCluster = gic.WriteSgi1r(0, new Sgi1r(0xFFFF, 7, 2, 0, false, 0, 0).Encode());

        Assert.Equal(new SgiWriteResult(2, 0, 0), wholeList);
        Assert.Equal(new SgiWriteResult(0, 0, 0), emptyCluster);
        Assert.Equal(0x2u, gic.Redistributor(0).PendingBits);
        Assert.Equal(0x2u, gic.Redistributor(1).PendingBits);
    }

    // Section 3 / rule 4: SGI generation by affinity needs GICD_CTLR.ARE.
    [Fact]
    public void Sgi1r_write_without_affinity_routing_is_an_error()
    {
        var gic = TestGics.Create(cpus: 2);
        gic.Distributor.AffinityRouting = false;

        var result = gic.WriteSgi1r(0, 0x0000000001000003UL);

        Assert.Equal(GicError.AffinityRoutingDisabled, result.Error);
        Assert.Equal(0, result.Reached);
        Assert.False(gic.Redistributor(1).IsPending(1));
    }
}
