using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>
/// Component ids: CPUs 0..N-1, then their redistributors, then one distributor per chip. Ids
/// order the digest's hash chains, so they depend only on the topology.
/// </summary>
public sealed class Layout
{
    public Layout(Topology topology, bool reclaimer = false)
    {
        HasReclaimer = reclaimer;
        Topology = topology;
        Cpus = topology.CpuCount;
        Chips = topology.ChipCount;
        var perChip = new List<int>[Chips];
        for (int chip = 0; chip < Chips; chip++) perChip[chip] = new List<int>();
        for (int cpu = 0; cpu < Cpus; cpu++) perChip[topology.ChipOf(cpu)].Add(cpu);
        CpusOfChip = perChip.Select(l => l.ToArray()).ToArray();
    }

    public Topology Topology { get; }
    public int Cpus { get; }
    public int Chips { get; }
    /// <summary>The SGI reclaimer is a component (the last id) when the scenario asks for SGIs.</summary>
    public bool HasReclaimer { get; }
    public int ComponentCount => 2 * Cpus + Chips + (HasReclaimer ? 1 : 0);
    public int ReclaimerId => 2 * Cpus + Chips;
    public int[][] CpusOfChip { get; }

    public int CpuId(int cpu) => cpu;
    public int RedistributorId(int cpu) => Cpus + cpu;
    public int DistributorId(int chip) => 2 * Cpus + chip;

    public bool IsCpu(int id) => id < Cpus;
    public bool IsRedistributor(int id) => id >= Cpus && id < 2 * Cpus;
    public bool IsDistributor(int id) => id >= 2 * Cpus && id < 2 * Cpus + Chips;

    /// <summary>The chip a component lives on: its CPU's chip, or the distributor's own.</summary>
    public int ChipOfComponent(int id) => id < 2 * Cpus ? Topology.ChipOf(CpuOf(id)) : id == ReclaimerId ? 0 : id - 2 * Cpus;

    /// <summary>The CPU a component belongs to, for the trace's cpu field (-1 for a distributor).</summary>
    public int CpuOf(int id) => id < Cpus ? id : id < 2 * Cpus ? id - Cpus : -1;
}

/// <summary>
/// SplitMix64: a small, fast generator whose sequence never changes between .NET versions. A
/// struct, so a CPU keeps its state in its own fields: hold it in a mutable field or local, never
/// a copy.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public static SplitMix64 For(long scenarioSeed, int component) =>
        new((ulong)scenarioSeed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)component + 1) * 0xBF58476D1CE4E5B9UL);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int NextInt(int n) => (int)((uint)(Next() >> 33) % (uint)n); // 31 bits: a 32-bit division gives the same value

    /// <summary>The same value as <see cref="NextInt(int)"/> for a divisor fixed in advance, without the division.</summary>
    public int NextInt(in Divisor n) => (int)n.Remainder((uint)(Next() >> 33));

    /// <summary>Uniform in (0, 1].</summary>
    public double NextUnit() => ((Next() >> 11) + 1) * (1.0 / 9007199254740992.0);

    /// <summary>An exponential gap in ns for a Poisson process of <paramref name="ratePerSecond"/>, at least 1 ns.</summary>
    public long NextExponentialNs(double ratePerSecond) =>
        Math.Max(1, (long)Math.Round(-Math.Log(NextUnit()) / ratePerSecond * 1e9));
}

/// <summary>
/// A divisor d in [1, 2^31) fixed in advance, so x % d costs two multiplications instead of a
/// division (Lemire's multiply-shift remainder, in the form .NET's own hash tables use): exact
/// for every 32-bit x. A storm's every request draws its target this way.
/// </summary>
public readonly struct Divisor
{
    private readonly ulong _multiplier;

    public Divisor(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        Value = (uint)value;
        _multiplier = ulong.MaxValue / Value + 1; // wraps to 0 for 1, which still gives 0
    }

    public uint Value { get; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public uint Remainder(uint x) => (uint)(((((_multiplier * x) >> 32) + 1) * Value) >> 32);
}
