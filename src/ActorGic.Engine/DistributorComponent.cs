using System.Numerics;
using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>
/// One chip's distributor: takes the ICC_SGI1R_EL1 writes of its CPUs and turns each into
/// set-pending messages for the target redistributors, forwarding writes for other chips over
/// the chip-to-chip link. The cost of a write follows its targets: a cluster lookup, then one
/// message per TargetList bit. An IRM write reaches every PE but the writer, chip by chip.
/// </summary>
public sealed class DistributorComponent : Component
{
    /// <summary>Set in SgiWrite.B on a write one distributor forwards to another.</summary>
    public const int RemoteFlag = 1 << 4;
    /// <summary>SgiWrite.B carries the owner tag of the requests above this shift (0: a kick).</summary>
    public const int TagShift = 8;
    private readonly Layout _layout;
    private readonly TimingModel _timing;
    private readonly int _chip;

    public override string Name => $"distributor {_chip}";

    public DistributorComponent(Layout layout, TimingModel timing, int chip, TraceRecorder trace)
        : base(layout.DistributorId(chip), trace)
    {
        _layout = layout;
        _timing = timing;
        _chip = chip;
    }

    /// <summary>Set-pendings sent to redistributors: one per (target CPU, INTID) reached.</summary>
    public long Sent { get; private set; }

    public static int EncodeGroup(InterruptGroup group) => (int)group;

    protected override void Handle(in SimEvent e)
    {
        if (e.Kind == EventKind.Reclaim)
        {
            // A CPU's fence: every SGI write it made before it is already here. On to the reclaimer.
            Send(_layout.ReclaimerId, _timing.RemoteAtomic, EventKind.Reclaim, e.A, e.B, e.C, e.D);
            return;
        }
        if (e.Kind != EventKind.SgiWrite) Fail.Unexpected("distributor", _chip, e.Kind);
        var sgi = Sgi1r.Decode((ulong)e.C);
        int group = e.B & 0xF;
        long tag = e.B >> TagShift;
        bool remote = (e.B & RemoteFlag) != 0;
        if (sgi.Irm)
        {
            foreach (int cpu in _layout.CpusOfChip[_chip])
                if (cpu != e.A) SetPending(cpu, sgi.Intid, group, tag, e.D);
            if (!remote)
                for (int chip = 0; chip < _layout.Chips; chip++)
                    if (chip != _chip)
                        Send(_layout.DistributorId(chip), _timing.ChipToChip, EventKind.SgiWrite, e.A, e.B | RemoteFlag, e.C, e.D);
            return;
        }
        var slots = _layout.Topology.ClusterSlots(sgi.ClusterId);
        if (slots.IsEmpty) return; // no PE has that affinity: the write reaches nobody
        uint list = sgi.TargetList;
        while (list != 0)
        {
            int bit = BitOperations.TrailingZeroCount(list);
            list &= list - 1;
            int cpu = slots[bit];
            if (cpu < 0) continue;
            int chip = _layout.Topology.ChipOf(cpu);
            if (chip == _chip) SetPending(cpu, sgi.Intid, group, tag, e.D);
            else if (!remote)
            {
                // The whole write belongs to one cluster, hence one chip: forward it once.
                Send(_layout.DistributorId(chip), _timing.ChipToChip, EventKind.SgiWrite, e.A, e.B | RemoteFlag, e.C, e.D);
                return;
            }
        }
    }

    private void SetPending(int cpu, int intid, int group, long tag, long requestTime)
    {
        Sent++;
        Send(_layout.RedistributorId(cpu), _timing.DistributorToRedistributor, EventKind.SetPending, intid, group, tag, requestTime);
    }
}
