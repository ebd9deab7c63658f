using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// Who can own an SGI, by index: owner n below 16 is what boots on SGI n (the profile's IPI n,
/// or raw SGI n under profile none); request-sgi purposes follow from 16. Indexes never change
/// during a run, so events and counters carry them instead of names.
/// </summary>
public sealed class Owners
{
    public const int BootSlots = Intid.SgiCount;
    private readonly string[] _names;
    private readonly bool[] _nmi;

    public Owners(Scenario scenario)
    {
        var purposes = scenario.Purposes;
        _names = new string[BootSlots + purposes.Count];
        _nmi = new bool[_names.Length];
        for (int sgi = 0; sgi < BootSlots; sgi++)
        {
            var ipi = scenario.Kernel?.IpiOn(sgi);
            _names[sgi] = ipi?.Name ?? $"SGI{sgi}";
            _nmi[sgi] = ipi?.Nmi ?? false;
        }
        for (int k = 0; k < purposes.Count; k++) (_names[BootSlots + k], _nmi[BootSlots + k]) = purposes[k];
        HandlerCost = _names.Select(scenario.Timing.HandlerOf).ToArray();
        Work = _names.Select(n => scenario.Kernel is null ? OwnerWork.Plain : n switch
        {
            "CALL_FUNC" => OwnerWork.CallFunction,
            "CPU_STOP" or "CPU_STOP_NMI" or "CPU_CRASH_STOP" => OwnerWork.Stop,
            "CPU_BACKTRACE" => OwnerWork.Backtrace,
            "KGDB_ROUNDUP" => OwnerWork.Kgdb,
            "IRQ_WORK" => OwnerWork.IrqWork,
            _ => OwnerWork.Plain,
        }).ToArray();
    }

    /// <summary>Per owner: its handler's run time (looked up once, not per handler entry).</summary>
    public long[] HandlerCost { get; }
    /// <summary>Per owner: what its handler does besides taking its time.</summary>
    public OwnerWork[] Work { get; }

    public int Count => _names.Length;
    public string Name(int owner) => _names[owner];
    /// <summary>Whether the owner's slot is an NMI when pseudo or architected NMIs are on.</summary>
    public bool Nmi(int owner) => _nmi[owner];
    public bool IsPurpose(int owner) => owner >= BootSlots;
    public int IndexOf(string name) => Array.IndexOf(_names, name);
}

/// <summary>What an owner's handler does besides taking its time.</summary>
public enum OwnerWork : byte { Plain, CallFunction, Stop, Backtrace, Kgdb, IrqWork }

/// <summary>How a CPU sends one owner's IPI now.</summary>
public enum RouteKind : byte
{
    /// <summary>No SGI: a purpose not granted yet, or given back. The request is refused.</summary>
    None,
    /// <summary>Its own SGI.</summary>
    Dedicated,
    /// <summary>A bit in the target's flag word, then the host IPI's SGI (merged or ipi-muxed).</summary>
    Flag,
    /// <summary>A user bit of the NMI broker, then the broker's SGI.</summary>
    Nmi,
}

/// <summary>One owner's route: the SGI it goes out on, and the bit for a flag or broker route.</summary>
public readonly record struct Route(RouteKind Kind, int Sgi, int Bit)
{
    public static Route None { get; } = new(RouteKind.None, -1, -1);
    public static Route Dedicated(int sgi) => new(RouteKind.Dedicated, sgi, -1);

    /// <summary>Packed into one event field.</summary>
    public long Encode() => (long)Kind | (long)(Sgi + 1) << 8 | (long)(Bit + 1) << 16;
    public static Route Decode(long v) => new((RouteKind)(v & 0xFF), (int)((v >> 8) & 0xFF) - 1, (int)((v >> 16) & 0xFF) - 1);

    /// <summary>As a violation or summary line says it: "SGI 4", "bit 4 of the flag word, on SGI 1", "broker bit 2, on SGI 8", "no SGI".</summary>
    public override string ToString() => Kind switch
    {
        RouteKind.Dedicated => $"SGI {Sgi}",
        RouteKind.Flag => $"bit {Bit} of the flag word, on SGI {Sgi}",
        RouteKind.Nmi => $"broker bit {Bit}, on SGI {Sgi}",
        _ => "no SGI",
    };
}

/// <summary>
/// The IPI routes and SGI handlers every CPU boots with (the reclaimer changes them per CPU at
/// run time), and which flag bits each host IPI's handler claims. A merged or ipi-muxed IPI's
/// flag bit is its owner index.
/// </summary>
public sealed class BootRouting
{
    /// <summary>The handler of the NMI broker's SGI (it claims the broker's pending word).</summary>
    public const int BrokerHandler = -2;

    public BootRouting(Scenario scenario, Owners owners, NmiMuxPlan? mux)
    {
        Routes = new Route[owners.Count];
        Handlers = new int[Intid.SgiCount];
        ClaimMasks = new uint[owners.Count];
        Array.Fill(Routes, Route.None);
        Array.Fill(Handlers, -1);
        var kernel = scenario.Kernel;
        if (kernel is null)
        {
            for (int sgi = 0; sgi < Intid.SgiCount; sgi++) (Routes[sgi], Handlers[sgi]) = (Route.Dedicated(sgi), sgi);
            return;
        }
        foreach (var ipi in kernel.Ipis)
        {
            if (SgiPolicy.HostOf(ipi.Name) is { } host && kernel.Has(host)) ClaimMasks[kernel[host].Sgi] |= 1u << ipi.Sgi;
            if (mux?.UserFor(ipi.Name) is { } user) Routes[ipi.Sgi] = new Route(RouteKind.Nmi, mux.Sgi, mux.Broker[user].Bit);
            else if (mux?.BootVictim == ipi) Routes[ipi.Sgi] = new Route(RouteKind.Flag, kernel[SgiPolicy.HostOf(ipi.Name)!].Sgi, ipi.Sgi);
            else
            {
                Routes[ipi.Sgi] = Route.Dedicated(ipi.Sgi);
                Handlers[ipi.Sgi] = ipi.Sgi;
            }
        }
        if (mux is not null) Handlers[mux.Sgi] = BrokerHandler;
    }

    /// <summary>Per owner: how it is sent at boot.</summary>
    public Route[] Routes { get; }
    /// <summary>Per SGI: whose handler runs (an owner index, <see cref="BrokerHandler"/>, or -1 for none).</summary>
    public int[] Handlers { get; }
    /// <summary>Per owner: the flag bits its handler claims (a host's merged and ipi-muxed IPIs).</summary>
    public uint[] ClaimMasks { get; }
}
