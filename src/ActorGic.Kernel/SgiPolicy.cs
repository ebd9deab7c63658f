namespace ActorGic.Kernel;

/// <summary>How an SGI's owner can give its slot up.</summary>
public enum ReclaimClass
{
    /// <summary>Never asked: the hot or last-resort IPIs (RESCHEDULE, CALL_FUNC, CPU_STOP) and granted purposes.</summary>
    Pinned,
    /// <summary>Folded into another IPI plus a flag, as Linux folded WAKEUP into RESCHEDULE (2023) and crash stop into CPU_STOP (2024).</summary>
    Merge,
    /// <summary>Carried as a bit on the ipi-mux host's SGI (CALL_FUNC's handler claims the bits).</summary>
    IpiMux,
    /// <summary>Carried as a user of the NMI broker's shared NMI SGI.</summary>
    NmiMux,
}

/// <summary>What an owner answers when the reclaimer asks it to give its SGI up (scenario <c>reclaim.owners</c>).</summary>
public enum OwnerStance { Default, Pinned, Refuses }

/// <summary>One candidate victim with the traffic the reclaimer observed for it.</summary>
public readonly record struct VictimCandidate(int Owner, string Name, ReclaimClass Class, long Traffic);

/// <summary>
/// The SGI allocation policy of the reclaimer, as plain rules: which owner may give its slot up
/// and where it goes, and which victim to ask first. Owners are indexed as the engine indexes
/// them: a profile's IPI by its boot SGI (IPI n is SGI n), requested purposes from 16 up.
/// </summary>
public static class SgiPolicy
{
    /// <summary>The class of a profile IPI (a requested purpose is always pinned).</summary>
    public static ReclaimClass ClassOf(IpiDefinition ipi) => ipi.Name switch
    {
        "WAKEUP" or "CPU_CRASH_STOP" => ReclaimClass.Merge,
        "TIMER" or "IRQ_WORK" => ReclaimClass.IpiMux,
        "CPU_STOP_NMI" or "CPU_BACKTRACE" or "KGDB_ROUNDUP" when ipi.Nmi => ReclaimClass.NmiMux,
        _ => ReclaimClass.Pinned,
    };

    /// <summary>The IPI whose handler carries a merged or ipi-muxed IPI's flag, or null.</summary>
    public static string? HostOf(string ipi) => ipi switch
    {
        "WAKEUP" => "RESCHEDULE",
        "CPU_CRASH_STOP" => "CPU_STOP",
        "TIMER" or "IRQ_WORK" => "CALL_FUNC",
        _ => null,
    };

    /// <summary>The mode name the report gives a victim's path (SCENARIOS.md section 3).</summary>
    public static string ModeOf(ReclaimClass c) => c switch
    {
        ReclaimClass.Merge => "merged",
        ReclaimClass.IpiMux => "ipi-mux",
        ReclaimClass.NmiMux => "nmi-mux",
        _ => "dedicated",
    };

    /// <summary>
    /// The owners that may be asked, in the order they are asked: least observed traffic first
    /// (the cheapest to move), then the highest SGI. Pinned owners (by class or by the scenario)
    /// are never asked; an NMI-muxable owner only when the broker exists.
    /// </summary>
    public static IReadOnlyList<VictimCandidate> Order(IEnumerable<VictimCandidate> candidates) =>
        candidates.Where(c => c.Class != ReclaimClass.Pinned)
            .OrderBy(c => c.Traffic).ThenByDescending(c => c.Owner).ToList();

    /// <summary>The candidates among a profile's IPIs that currently own a slot of their own.</summary>
    public static IEnumerable<VictimCandidate> Candidates(KernelProfile kernel, Func<int, bool> ownsSlot, bool brokerExists,
        IReadOnlyDictionary<string, OwnerStance> stances, Func<int, long> traffic)
    {
        foreach (var ipi in kernel.Ipis)
        {
            var c = ClassOf(ipi);
            if (c == ReclaimClass.Pinned || !ownsSlot(ipi.Sgi)) continue;
            if (c == ReclaimClass.NmiMux && !brokerExists) continue;
            if (c != ReclaimClass.NmiMux && HostOf(ipi.Name) is { } host && !kernel.Has(host)) continue;
            if (stances.TryGetValue(ipi.Name, out var stance) && stance == OwnerStance.Pinned) continue;
            yield return new VictimCandidate(ipi.Sgi, ipi.Name, c, traffic(ipi.Sgi));
        }
    }

    /// <summary>Whether the owner agrees when asked.</summary>
    public static bool Accepts(string owner, IReadOnlyDictionary<string, OwnerStance> stances) =>
        !stances.TryGetValue(owner, out var stance) || stance == OwnerStance.Default;
}
