namespace ActorGic.Engine;

/// <summary>
/// The timing model, in integer nanoseconds of virtual time (every latency at least 1 ns). The
/// defaults live in hocon/actorgic.conf; scenarios override any of them.
/// </summary>
public sealed record TimingModel
{
    /// <summary>An ICC_SGI1R_EL1 write travelling from the CPU interface to its chip's distributor.</summary>
    public long CpuToDistributor { get; init; } = 40;
    /// <summary>A set-pending from the distributor to a redistributor on the same chip.</summary>
    public long DistributorToRedistributor { get; init; } = 40;
    /// <summary>An SGI crossing from one chip's distributor to another's.</summary>
    public long ChipToChip { get; init; } = 300;
    /// <summary>The redistributor offering its HPPI to the CPU interface.</summary>
    public long RedistributorToCpu { get; init; } = 20;
    /// <summary>Activate / deactivate / register writes from the CPU to its redistributor.</summary>
    public long CpuToRedistributor { get; init; } = 20;
    /// <summary>The sender's cost of one ICC_SGI1R_EL1 write (successive writes leave this far apart).</summary>
    public long SgiWrite { get; init; } = 5;
    /// <summary>From the signal to the first instruction of the vector (exception entry, ICC_IAR1_EL1 read).</summary>
    public long ExceptionEntry { get; init; } = 50;
    /// <summary>The default handler time for raw SGIs (profile none).</summary>
    public long Handler { get; init; } = 500;
    /// <summary>An atomic on another CPU's memory: the request and the reply with the old value, each way.</summary>
    public long RemoteAtomic { get; init; } = 60;
    /// <summary>The same atomic when the other CPU is on another chip (a socket-to-socket coherence transaction).</summary>
    public long RemoteAtomicAcrossChips { get; init; } = 130;
    /// <summary>Each IPI's handler time under a Linux profile; IPIs not named take <see cref="Handler"/>.</summary>
    public IReadOnlyDictionary<string, long> IpiHandlers { get; init; } = new Dictionary<string, long>();
    /// <summary>CALL_FUNC's handler time per queued function it runs, on top of its own.</summary>
    public long CallFunctionItem { get; init; } = 200;

    /// <summary>One register write to a redistributor's memory-mapped SGI frame (a slot's reprogram is <see cref="SlotRegisterWrites"/> of them, one after another).</summary>
    public long MmioWrite { get; init; } = 50;
    /// <summary>The SGI reclaimer's cost to issue one access to another CPU's memory (survey read, route switch, handler install, drain check).</summary>
    public long ReclaimIssue { get; init; } = 5;

    /// <summary>GICR_ICENABLER0, GICR_IPRIORITYR, GICR_INMIR0, GICR_IGROUPR0, GICR_ISENABLER0.</summary>
    public const int SlotRegisterWrites = 5;

    public long HandlerOf(string? ipi) => ipi is not null && IpiHandlers.TryGetValue(ipi, out long ns) ? ns : Handler;

    public static TimingModel Default { get; } = new();

    /// <summary>The smallest latency of any message between two components: the engines' lookahead.</summary>
    public long Lookahead => Math.Min(Math.Min(Math.Min(CpuToDistributor, DistributorToRedistributor), ChipToChip),
        Math.Min(Math.Min(RedistributorToCpu, CpuToRedistributor), Math.Min(RemoteAtomic, RemoteAtomicAcrossChips)));

    /// <summary>An atomic from a CPU on <paramref name="fromChip"/> on the memory of a CPU on <paramref name="toChip"/>.</summary>
    public long AtomicBetween(int fromChip, int toChip) => fromChip == toChip ? RemoteAtomic : RemoteAtomicAcrossChips;
}
