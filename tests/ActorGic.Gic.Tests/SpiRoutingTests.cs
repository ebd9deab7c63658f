namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 4: SPIs (32-1019), routed by GICD_IROUTER to one PE or 1-of-N; edge and level.</summary>
public class SpiRoutingTests
{
    private static int[] IntidsSeenBy(Gic gic) =>
        Enumerable.Range(0, gic.CpuCount).Select(gic.HighestPendingIntid).ToArray();

    // Rule 4: an SPI is routed by GICD_IROUTER to one PE.
    [Fact]
    public void Spi_routed_by_irouter_to_one_pe()
    {
        var gic = TestGics.Create(cpus: 4);
        TestGics.RouteSpi(gic, 40, cpu: 2);

        Assert.Equal(GicError.None, gic.Distributor.SetPending(40));

        Assert.Equal(2, gic.Distributor.TargetOf(40));
        Assert.Equal([Intid.Spurious, Intid.Spurious, 40, Intid.Spurious], IntidsSeenBy(gic));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(40, gic.AcknowledgeIar1(2));
        Assert.True(gic.Distributor.IsActive(40));
        Assert.False(gic.Distributor.IsPending(40));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(2, 40));
        Assert.False(gic.Distributor.IsActive(40));
    }

    // Rule 4: GICD_IROUTER holds the full affinity, Aff3 included, like the packed MPIDR.
    [Fact]
    public void Spi_routed_by_irouter_uses_all_four_affinity_levels()
    {
        var topology = Topology.FromMpidrs(
            [Mpidr.FromAffinity(0, 0, 0, 0), Mpidr.FromAffinity(1, 0, 0, 0), Mpidr.FromAffinity(1, 2, 3, 4)], rss: false);
        var gic = new Gic(topology).EnableAll();
        gic.Distributor.SetGroup(500, InterruptGroup.Group1NonSecure);
        gic.Distributor.SetEnabled(500, true);

        Assert.Equal(GicError.None, gic.Distributor.SetRoute(500, 0x01_0002_0304UL));
        gic.Distributor.SetPending(500);

        Assert.Equal(2, gic.Distributor.TargetOf(500));
        Assert.Equal([Intid.Spurious, Intid.Spurious, 500], IntidsSeenBy(gic));
        Assert.Equal(GicError.None, gic.Distributor.SetRoute(500, 0x01_0000_0000UL));
        Assert.Equal(1, gic.Distributor.TargetOf(500));
    }

    // Rule 4: GICD_IROUTER must name an existing PE.
    [Fact]
    public void Irouter_to_an_unknown_affinity_is_an_error_and_keeps_the_route()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.RouteSpi(gic, 40, cpu: 1);
        gic.Distributor.SetPending(40);

        Assert.Equal(GicError.BadAffinity, gic.Distributor.SetRoute(40, 0x0000_0000_0305UL));
        Assert.Equal(GicError.IntidOutOfRange, gic.Distributor.SetRoute(31, 0));
        Assert.Equal(GicError.IntidOutOfRange, gic.Distributor.SetRoute(1020, 0));

        Assert.Equal(1, gic.Distributor.TargetOf(40));
        Assert.Equal(40, gic.AcknowledgeIar1(1));
    }

    // Rule 4: 1-of-N (IRM = 1) goes to a participating PE.
    [Fact]
    public void Spi_one_of_n_goes_to_a_participating_pe()
    {
        var gic = TestGics.Create(cpus: 3);
        gic.Distributor.SetParticipation(0, false);
        gic.Distributor.SetParticipation(1, false);
        TestGics.RouteSpi(gic, 64, cpu: 0);
        Assert.Equal(GicError.None, gic.Distributor.SetRoute(64, Distributor.IrouterIrm));

        gic.Distributor.SetPending(64);

        Assert.Equal(2, gic.Distributor.TargetOf(64));
        Assert.Equal([Intid.Spurious, Intid.Spurious, 64], IntidsSeenBy(gic));
        Assert.Equal(64, gic.AcknowledgeIar1(2));
    }

    // Rule 4: each time a 1-of-N SPI becomes pending again it is routed afresh, always to a participating PE.
    [Fact]
    public void Spi_one_of_n_is_rerouted_only_among_participating_pes()
    {
        var gic = TestGics.Create(cpus: 4);
        gic.Distributor.SetParticipation(0, false);
        gic.Distributor.SetParticipation(2, false);
        TestGics.RouteSpi(gic, 64, cpu: 0);
        gic.Distributor.SetRoute(64, Distributor.IrouterIrm);

        for (int round = 0; round < 8; round++)
        {
            gic.Distributor.SetPending(64);
            int cpu = gic.Distributor.TargetOf(64);
            Assert.Contains(cpu, new[] { 1, 3 });
            Assert.Equal(64, gic.AcknowledgeIar1(cpu));
            Assert.Equal(-1, gic.Distributor.TargetOf(64));
            Assert.Equal(GicError.None, gic.EndOfInterrupt1(cpu, 64));
        }

        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(0));
        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(2));
    }

    // Rule 4: 1-of-N with no participating PE: the SPI stays pending at the distributor.
    [Fact]
    public void Spi_one_of_n_with_no_participating_pe_stays_pending()
    {
        var gic = TestGics.Create(cpus: 2);
        gic.Distributor.SetParticipation(0, false);
        gic.Distributor.SetParticipation(1, false);
        TestGics.RouteSpi(gic, 64, cpu: 0);
        gic.Distributor.SetRoute(64, Distributor.IrouterIrm);

        gic.Distributor.SetPending(64);

        Assert.True(gic.Distributor.IsPending(64));
        Assert.Equal(-1, gic.Distributor.TargetOf(64));
        Assert.Equal([Intid.Spurious, Intid.Spurious], IntidsSeenBy(gic));
    }

    // Rule 4: edge SPI: a rising edge latches pending; the ack clears it while the line stays high.
    [Fact]
    public void Edge_spi_latches_a_rising_edge_and_the_ack_clears_it()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.RouteSpi(gic, 50, cpu: 1);

        gic.Distributor.SetLine(50, true);
        gic.Distributor.SetLine(50, false); // a pulse: the latch remains
        Assert.True(gic.Distributor.IsPending(50));
        gic.Distributor.SetLine(50, true);
        Assert.Equal(50, gic.AcknowledgeIar1(1));

        Assert.False(gic.Distributor.IsPending(50));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(1, 50));
        gic.Distributor.SetLine(50, true); // still high: no new edge
        Assert.False(gic.Distributor.IsPending(50));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(1));

        gic.Distributor.SetLine(50, false);
        gic.Distributor.SetLine(50, true);
        Assert.Equal(50, gic.AcknowledgeIar1(1));
    }

    // Rule 4: level SPI: pending follows the line; after the ack a line still high makes it active+pending.
    [Fact]
    public void Level_spi_stays_pending_while_the_line_is_high()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.RouteSpi(gic, 50, cpu: 1);
        Assert.Equal(GicError.None, gic.Distributor.SetLevelSensitive(50, true));
        gic.Distributor.SetLine(50, true);

        Assert.Equal(50, gic.AcknowledgeIar1(1));

        Assert.True(gic.Distributor.IsActive(50));
        Assert.True(gic.Distributor.IsPending(50));
        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(1));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(1, 50));
        Assert.Equal(1, gic.Distributor.TargetOf(50));
        Assert.Equal(50, gic.AcknowledgeIar1(1));
    }

    // Rule 4: level SPI: when the line falls before the ack, the interrupt is no longer pending.
    [Fact]
    public void Level_spi_stops_pending_when_the_line_falls()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.RouteSpi(gic, 50, cpu: 1);
        gic.Distributor.SetLevelSensitive(50, true);
        gic.Distributor.SetLine(50, true);
        Assert.Equal(50, gic.HighestPendingIntid(1));

        gic.Distributor.SetLine(50, false);

        Assert.False(gic.Distributor.IsPending(50));
        Assert.Equal(-1, gic.Distributor.TargetOf(50));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(1));
    }

    // Rule 4 (candidate): a disabled SPI waits at the distributor and is routed when enabled.
    [Fact]
    public void Disabled_spi_is_routed_once_enabled()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.RouteSpi(gic, 40, cpu: 1);
        gic.Distributor.SetEnabled(40, false);
        gic.Distributor.SetPending(40);

        Assert.Equal(-1, gic.Distributor.TargetOf(40));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(1));

        gic.Distributor.SetEnabled(40, true);
        Assert.Equal(40, gic.AcknowledgeIar1(1));
    }

    // Rule 4 (candidate): an SPI whose group is disabled in GICD_CTLR is no candidate and hides nothing below it.
    [Fact]
    public void Spi_in_a_group_disabled_in_gicd_ctlr_is_not_a_candidate()
    {
        var gic = TestGics.Create(priority: 0xA0);
        TestGics.RouteSpi(gic, 40, cpu: 0, priority: 0x40);
        gic.Distributor.SetGroup(40, InterruptGroup.Group0);
        gic.Distributor.EnableGroup0 = false;
        gic.Distributor.SetPending(40);
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(new Hppi(1, 0xA0, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar0(0));

        gic.Distributor.EnableGroup0 = true;
        Assert.Equal(40, gic.AcknowledgeIar0(0));
    }

    // Rule 4 (HPPI): an SPI competes with the PE's private bank on priority.
    [Fact]
    public void Spi_and_sgi_compete_on_priority_at_their_pe()
    {
        var gic = TestGics.Create(priority: 0x80);
        TestGics.RouteSpi(gic, 33, cpu: 0, priority: 0x40);
        TestGics.SendToSelf(gic, 0, 0);
        gic.Distributor.SetPending(33);

        Assert.Equal(new Hppi(33, 0x40, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(33, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 33));
        Assert.Equal(0, gic.AcknowledgeIar1(0));
    }
}
