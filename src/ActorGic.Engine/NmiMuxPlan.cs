using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// Where the NMI broker lives in a scenario: its users (the built-ins and the scenario's
/// nmi-users), its SGI, and which of the era's NMI IPIs it absorbed. With kernel.nmi-mux = on the
/// broker takes the lowest slot of the NMI IPIs it absorbs and frees the others; otherwise the
/// scenario's first user makes it take a free Non-secure SGI (SGI 7 under linux-6.1). When none
/// is free (linux-6.12), the reclaimer's policy frees one at boot: the least valuable IRQ owner
/// that may be merged or ipi-muxed moves onto its host's flag, and the broker takes its slot.
/// Nothing is in flight at boot, so this move needs no drain.
/// </summary>
public sealed class NmiMuxPlan
{
    private NmiMuxPlan(NmiBroker broker, int sgi, IReadOnlySet<string> absorbed, IpiDefinition? bootVictim = null)
    {
        Broker = broker;
        Sgi = sgi;
        Absorbed = absorbed;
        BootVictim = bootVictim;
    }

    /// <summary>The IPI that gave its SGI to the broker at boot (moved onto its host's flag), or null.</summary>
    public IpiDefinition? BootVictim { get; }

    public NmiBroker Broker { get; }
    public int Sgi { get; }
    /// <summary>The era's NMI IPIs that now travel as broker users.</summary>
    public IReadOnlySet<string> Absorbed { get; }

    /// <summary>The plan, or null when the scenario has no broker. Throws <see cref="NmiBrokerException"/> when it cannot have one.</summary>
    public static NmiMuxPlan? For(KernelProfile? kernel, bool nmiMux, IReadOnlyList<(string Name, int Priority)> users, int nonSecureSgis,
        IReadOnlyDictionary<string, OwnerStance>? stances = null)
    {
        if (!nmiMux && users.Count == 0) return null;
        if (kernel is null) throw new NmiBrokerException("the NMI broker needs a Linux kernel profile");
        var broker = new NmiBroker();
        foreach (var (name, priority, neverReturns) in NmiBroker.BuiltIns) broker.Register(name, priority, neverReturns);
        foreach (var (name, priority) in users) broker.Register(name, priority);
        if (nmiMux)
        {
            var absorbed = kernel.Ipis.Where(i => i.Nmi && NmiBroker.UserFor(i.Name) is not null).ToList();
            if (absorbed.Count == 0)
                throw new NmiBrokerException($"{kernel.Name} has no NMI IPI for the broker to absorb; declare nmi-users instead");
            return new NmiMuxPlan(broker, absorbed.Min(i => i.Sgi), absorbed.Select(i => i.Name).ToHashSet());
        }
        int limit = Math.Min(nonSecureSgis, KernelProfile.LinuxSgiBudget);
        for (int sgi = 0; sgi < limit; sgi++)
            if (!kernel.Ipis.Any(i => i.Sgi == sgi)) return new NmiMuxPlan(broker, sgi, new HashSet<string>());
        stances ??= new Dictionary<string, OwnerStance>();
        var victim = SgiPolicy.Order(SgiPolicy.Candidates(kernel, _ => true, brokerExists: false, stances, _ => 0))
            .FirstOrDefault(c => SgiPolicy.Accepts(c.Name, stances));
        if (victim.Name is null)
            throw new NmiBrokerException(
                $"no SGI for the NMI broker: {kernel.Name} uses all {limit} of Linux's SGIs and every owner that could give one up is pinned or refuses; set kernel.nmi-mux = on to move its NMI IPIs onto the broker");
        return new NmiMuxPlan(broker, victim.Owner, new HashSet<string>(), kernel[victim.Name]);
    }

    /// <summary>The broker user an IPI travels as, when it was absorbed.</summary>
    public string? UserFor(string ipi) => Absorbed.Contains(ipi) ? NmiBroker.UserFor(ipi) : null;

    public bool IsFreed(int sgi, KernelProfile kernel) =>
        sgi != Sgi && kernel.Ipis.Any(i => i.Sgi == sgi && Absorbed.Contains(i.Name));
}
