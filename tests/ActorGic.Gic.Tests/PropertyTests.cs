using CsCheck;

namespace ActorGic.Gic.Tests;

/// <summary>Properties of sections 3 to 6, checked with CsCheck on random registers, topologies and operation sequences.</summary>
public class PropertyTests
{
    private static readonly Gen<byte> Nibble = Gen.Int[0, 15].Select(i => (byte)i);

    // Section 3: every field of ICC_SGI1R_EL1 survives encode then decode.
    [Fact]
    public void Sgi1r_encode_decode_round_trips_every_field()
    {
        Gen.Select(Gen.UShort, Gen.Byte, Nibble, Gen.Byte, Gen.Bool, Nibble, Gen.Byte)
            .Sample((targetList, aff1, intid, aff2, irm, rs, aff3) =>
            {
                var sgi = new Sgi1r(targetList, aff1, intid, aff2, irm, rs, aff3);

                var decoded = Sgi1r.Decode(sgi.Encode());

                Assert.Equal(sgi, decoded);
                Assert.Equal(0UL, sgi.Encode() & Sgi1r.Res0Mask);
            }, iter: 500);
    }

    // Section 3: decode then encode keeps every bit of every field and clears only the RES0 bits.
    [Fact]
    public void Sgi1r_decode_encode_keeps_every_field_bit()
    {
        Gen.ULong.Sample(value =>
            Assert.Equal(value & ~Sgi1r.Res0Mask, Sgi1r.Decode(value).Encode()), iter: 500);
    }

    // Section 3: the writes Linux computes for a cpumask reach every CPU of the mask exactly once and no other,
    // with one write per consecutive run of CPUs sharing a cluster id, and never IRM.
    [Fact]
    public void Linux_writes_cover_each_cpu_in_the_mask_exactly_once()
    {
        // An affinity code picks Aff3 0-1, Aff2 0-1, Aff1 0-3, Aff0 0-31; logical numbering is the code order.
        var gen = Gen.Select(Gen.Int[0, 511].Array[1, 48], Gen.ULong, Gen.Int[0, 15]);
        gen.Sample((codes, mask, intid) =>
        {
            var mpidrs = codes.Distinct().Select(c =>
                Mpidr.FromAffinity((byte)((c >> 8) & 1), (byte)((c >> 7) & 1), (byte)((c >> 5) & 3), (byte)(c & 31))).ToArray();
            var topology = Topology.FromMpidrs(mpidrs, rss: true);
            int[] cpus = Enumerable.Range(0, topology.CpuCount).Where(cpu => ((mask >> cpu) & 1) != 0).ToArray();

            var writes = GicIpiSendMask.Compute(topology, intid, cpus);

            var hits = new int[topology.CpuCount];
            foreach (ulong write in writes)
            {
                var sgi = Sgi1r.Decode(write);
                Assert.False(sgi.Irm);
                Assert.Equal(intid, sgi.Intid);
                Assert.NotEqual(0, sgi.TargetList);
                var slots = topology.ClusterSlots(sgi.ClusterId);
                Assert.False(slots.IsEmpty);
                for (int bit = 0; bit < 16; bit++)
                {
                    if (((sgi.TargetList >> bit) & 1) == 0) continue;
                    Assert.True(slots[bit] >= 0, $"bit {bit} of {write:X16} names no CPU");
                    hits[slots[bit]]++;
                }
            }
            for (int cpu = 0; cpu < topology.CpuCount; cpu++)
                Assert.Equal(((mask >> cpu) & 1) != 0 ? 1 : 0, hits[cpu]);
            int runs = cpus.Where((cpu, i) => i == 0
                || topology.MpidrOf(cpu).SgiClusterId != topology.MpidrOf(cpus[i - 1]).SgiClusterId).Count();
            Assert.Equal(runs, writes.Count);
        }, iter: 300);
    }

    // Sections 4 and 6: while PMR masks a priority nothing but an architected NMI at it is signalled; exactly
    // the NMIs and the priorities below PMR are acknowledged, everything else stays pending.
    [Fact]
    public void Nothing_but_an_architected_nmi_is_signalled_while_pmr_masks_it()
    {
        var gen = Gen.Select(Gen.Int[0, 255].Array[Intid.SgiCount], Gen.Int[0, 0xFFFF], Gen.Int[0, 0xFFFF], Gen.Int[0, 255]);
        gen.Sample((priorities, nmis, pending, pmr) =>
        {
            var gic = TestGics.Create(pmr: (byte)pmr);
            var r = gic.Redistributor(0);
            for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
            {
                r.SetPriority(sgi, priorities[sgi]);
                r.SetNmi(sgi, ((nmis >> sgi) & 1) != 0);
                if (((pending >> sgi) & 1) != 0) TestGics.SendToSelf(gic, 0, sgi);
            }
            byte mask = gic.Config.PriorityMask;
            uint expected = 0;
            for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
                if (((nmis >> sgi) & 1) != 0 || (priorities[sgi] & mask) < (pmr & mask)) expected |= 1u << sgi;
            expected &= (uint)pending;

            uint acknowledged = 0;
            while (true)
            {
                var signal = gic.Signal(0);
                int intid = gic.AcknowledgeIar1(0);
                if (intid == Intid.Spurious)
                {
                    Assert.Equal(SignalKind.None, signal);
                    break;
                }
                bool nmi = r.IsNmi(intid);
                Assert.Equal(nmi ? SignalKind.IrqSuperpriority : SignalKind.Irq, signal);
                Assert.True(nmi || r.PriorityOf(intid) < gic.CpuInterface(0).Pmr, $"INTID {intid} at {r.PriorityOf(intid):X2} got past PMR {pmr:X2}");
                acknowledged |= 1u << intid;
                Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, intid));
            }

            Assert.Equal(expected, acknowledged);
            Assert.Equal((uint)pending & ~expected, r.PendingBits);
        }, iter: 300);
    }

    // Rule 4: a disabled SGI stays pending (sends coalesce) and is delivered, once, when enabled.
    [Fact]
    public void Disabled_sgi_stays_pending_and_is_delivered_once_enabled()
    {
        var gen = Gen.Select(Gen.Int[0, 15], Gen.Int[0, 0xE8], Gen.Int[1, 4], Gen.Int[0, 1]);
        gen.Sample((intid, priority, sends, from) =>
        {
            var gic = TestGics.Create(cpus: 2, pmr: 0xF0);
            var r = gic.Redistributor(0);
            r.SetPriority(intid, priority);
            r.SetEnabled(intid, false);

            for (int i = 0; i < sends; i++)
                Assert.Equal(i == 0 ? new SgiWriteResult(1, 0, 0) : new SgiWriteResult(0, 1, 0), TestGics.Send(gic, from, intid, 0));
            Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
            Assert.Equal(1u << intid, r.PendingBits);

            r.SetEnabled(intid, true);

            Assert.Equal(intid, gic.AcknowledgeIar1(0));
            Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
            Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, intid));
            Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
            Assert.Equal(0u, r.PendingBits | r.ActiveBits);
        }, iter: 300);
    }

    private enum Op { Send, Enable, Priority, Pmr, Ack, Eoi, Dir }

    private static readonly Gen<(Op Kind, int Cpu, int Intid, int Value)[]> Operations =
        Gen.Select(Gen.FrequencyConst((4, Op.Send), (2, Op.Enable), (1, Op.Priority), (1, Op.Pmr), (4, Op.Ack), (3, Op.Eoi), (2, Op.Dir)),
                Gen.Int[0, 3], Gen.Int[0, 15], Gen.Int[0, 255])
            .Array[1, 80];

    // Rule 4: an acknowledge never returns a disabled, active or masked INTID (masked by PMR or the running priority).
    [Fact]
    public void Acknowledge_never_returns_a_disabled_active_or_masked_intid()
    {
        Gen.Select(Gen.Int[2, 4], Gen.Bool, Operations).Sample((cpus, eoiMode, ops) =>
        {
            var gic = TestGics.Create(cpus, priority: 0x80, pmr: 0xF0, eoiMode: eoiMode);
            var dropped = Enumerable.Range(0, cpus).Select(_ => new List<int>()).ToArray();
            foreach (var (kind, anyCpu, intid, value) in ops)
            {
                int cpu = anyCpu % cpus;
                var r = gic.Redistributor(cpu);
                var c = gic.CpuInterface(cpu);
                switch (kind)
                {
                    case Op.Send:
                        int[] targets = Enumerable.Range(0, cpus).Where(t => ((value >> t) & 1) != 0).ToArray();
                        if (targets.Length > 0) TestGics.Send(gic, cpu, intid, targets);
                        break;
                    case Op.Enable:
                        r.SetEnabled(intid, value % 4 != 0);
                        break;
                    case Op.Priority:
                        r.SetPriority(intid, value);
                        break;
                    case Op.Pmr:
                        c.Pmr = (byte)value;
                        break;
                    case Op.Ack:
                        uint enabled = r.EnabledBits, pending = r.PendingBits, active = r.ActiveBits;
                        byte pmr = c.Pmr, running = c.RunningPriority, groupMask = c.GroupPriorityMask(InterruptGroup.Group1NonSecure);
                        int acked = gic.AcknowledgeIar1(cpu);
                        if (acked == Intid.Spurious) break;
                        Assert.InRange(acked, 0, 15);
                        uint bit = 1u << acked;
                        Assert.True((enabled & bit) != 0, $"INTID {acked} was disabled");
                        Assert.True((active & bit) == 0, $"INTID {acked} was active");
                        Assert.True((pending & bit) != 0, $"INTID {acked} was not pending");
                        Assert.True(r.PriorityOf(acked) < pmr, $"INTID {acked} at {r.PriorityOf(acked):X2} is masked by PMR {pmr:X2}");
                        Assert.True(running == 0xFF || (r.PriorityOf(acked) & groupMask) < (running & groupMask),
                            $"INTID {acked} does not beat running priority {running:X2}");
                        Assert.True(r.IsActive(acked));
                        break;
                    case Op.Eoi:
                        if (c.AckDepth == 0) break;
                        int top = c.MostRecentAcknowledge;
                        Assert.Equal(GicError.None, gic.EndOfInterrupt1(cpu, top));
                        if (eoiMode) dropped[cpu].Add(top);
                        break;
                    case Op.Dir:
                        if (dropped[cpu].Count == 0) break;
                        int which = value % dropped[cpu].Count;
                        Assert.Equal(GicError.None, gic.DeactivateInterrupt(cpu, dropped[cpu][which]));
                        dropped[cpu].RemoveAt(which);
                        break;
                }
            }
        }, iter: 300);
    }

    // Rule 4: active priorities nest: after each EOI the running priority is the one from before the matching ack.
    [Fact]
    public void Running_priority_after_each_eoi_is_the_one_before_the_matching_ack()
    {
        var ops = Gen.Select(Gen.FrequencyConst((3, Op.Send), (3, Op.Ack), (2, Op.Eoi), (1, Op.Dir)), Gen.Int[0, 15]).Array[1, 80];
        Gen.Select(Gen.Int[0, 0xF7].Array[Intid.SgiCount], Gen.Int[3, 7], Gen.Bool, ops).Sample((priorities, bpr1, eoiMode, steps) =>
        {
            var gic = TestGics.Create(pmr: 0xFF, eoiMode: eoiMode);
            var r = gic.Redistributor(0);
            var c = gic.CpuInterface(0);
            Assert.Equal(GicError.None, c.SetBpr1(bpr1));
            for (int sgi = 0; sgi < Intid.SgiCount; sgi++) r.SetPriority(sgi, priorities[sgi]);
            var before = new Stack<byte>();
            var dropped = new List<int>();

            void Eoi()
            {
                int top = c.MostRecentAcknowledge;
                Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, top));
                Assert.Equal(before.Pop(), c.RunningPriority);
                if (eoiMode) dropped.Add(top);
            }

            foreach (var (kind, intid) in steps)
            {
                switch (kind)
                {
                    case Op.Send:
                        TestGics.SendToSelf(gic, 0, intid);
                        break;
                    case Op.Ack:
                        byte running = c.RunningPriority;
                        int acked = gic.AcknowledgeIar1(0);
                        if (acked == Intid.Spurious) break;
                        before.Push(running);
                        Assert.Equal(r.PriorityOf(acked) & c.GroupPriorityMask(InterruptGroup.Group1NonSecure), c.RunningPriority);
                        Assert.True(c.RunningPriority < running);
                        break;
                    case Op.Eoi:
                        if (before.Count > 0) Eoi();
                        break;
                    case Op.Dir:
                        byte unchanged = c.RunningPriority;
                        foreach (int d in dropped) Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, d));
                        dropped.Clear();
                        Assert.Equal(unchanged, c.RunningPriority);
                        break;
                }
                Assert.Equal(before.Count, c.AckDepth);
            }
            while (before.Count > 0) Eoi();
            foreach (int d in dropped) Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, d));

            Assert.Equal(0xFF, c.RunningPriority);
            Assert.Equal(0u, r.ActiveBits);
        }, iter: 300);
    }
}
