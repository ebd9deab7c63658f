using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>What the report needs to know about one CPU at the end of a run: plain data.</summary>
public sealed class CpuFacts
{
    public CpuState State { get; set; }
    public long[] Acks { get; set; } = [];
    public long Spurious { get; set; }
    public string? StoppedBy { get; set; }
    public bool Backtraced { get; set; }
    public bool RoundedUp { get; set; }
    public long SgiWrites { get; set; }
    public long SgiTargets { get; set; }
    public List<string> Violations { get; set; } = [];
    public long CallRequested { get; set; }
    public long CallSgiSent { get; set; }
    public long CallServed { get; set; }
    public long CallQueueLength { get; set; }
    public long[] CallLatencies { get; set; } = [];
    // Per owner.
    public long[] Requested { get; set; } = [];
    public long[] Refused { get; set; } = [];
    public long[] HandlerRuns { get; set; } = [];
    public long[] FlagRequested { get; set; } = [];
    public long[] FlagSgiSent { get; set; } = [];
    public long[] FlagServed { get; set; } = [];
    public long[] FlagWaiting { get; set; } = [];
    public long[][] FlagLatencies { get; set; } = [];
    // Per NMI broker user bit.
    public long[] MuxRequested { get; set; } = [];
    public long[] MuxSgiSent { get; set; } = [];
    public long[] MuxHandled { get; set; } = [];
    public long[] MuxServed { get; set; } = [];
    public long[] MuxWaiting { get; set; } = [];
    public long[][] MuxLatencies { get; set; } = [];
    /// <summary>Broker requests still waiting: bit, time, bit, time...</summary>
    public long[] MuxWaitingDetail { get; set; } = [];
    public int[] NotStopped { get; set; } = [];
    public string[] KernelMessages { get; set; } = [];
    public int[] BacktraceTargets { get; set; } = [];
    public int[] KgdbTargets { get; set; } = [];
    /// <summary>Per owner: the route, <see cref="Route.Encode"/>d (empty: the boot routing).</summary>
    public long[] Routes { get; set; } = [];
    /// <summary>Per SGI: whose handler runs (empty: the boot routing).</summary>
    public int[] Handlers { get; set; } = [];
    /// <summary>Per owner: replayed raises this CPU sent, and the requests they made.</summary>
    public long[] ReplaySent { get; set; } = [];
    public long[] ReplayRequests { get; set; } = [];

    public Route RouteOf(int owner, BootRouting boot) => Routes.Length == 0 ? boot.Routes[owner] : Route.Decode(Routes[owner]);
    public int HandlerOf(int sgi, BootRouting boot) => Handlers.Length == 0 ? boot.Handlers[sgi] : Handlers[sgi];

    private static long[] Samples(SampleBuffer? buffer)
    {
        if (buffer is null) return [];
        var list = new List<long>((int)buffer.Count);
        buffer.CopyTo(list);
        return list.ToArray();
    }

    public static CpuFacts Of(CpuComponent c, int owners, BootRouting boot)
    {
        var routes = Enumerable.Range(0, owners).Select(o => c.RouteOf(o).Encode()).ToArray();
        var handlers = Enumerable.Range(0, Intid.SgiCount).Select(c.HandlerOf).ToArray();
        const int bits = NmiBroker.MaxUsers;
        return new CpuFacts
        {
            State = c.State,
            Acks = FactArrays.Copy(c.Acks, c.Acks.Length),
            Spurious = c.Spurious,
            StoppedBy = c.StoppedBy,
            Backtraced = c.Backtraced,
            RoundedUp = c.RoundedUp,
            SgiWrites = c.SgiWrites,
            SgiTargets = c.SgiTargets,
            Violations = c.Violations.Count == 0 ? FactArrays.NoViolations : [.. c.Violations],
            CallRequested = c.CallRequested,
            CallSgiSent = c.CallSgiSent,
            CallServed = c.CallServed,
            CallQueueLength = c.CallQueueLength,
            CallLatencies = Samples(c.CallLatencies),
            Requested = FactArrays.Copy(c.Requested, owners),
            Refused = FactArrays.Copy(c.Refused, owners),
            HandlerRuns = FactArrays.Copy(c.HandlerRuns, owners),
            FlagRequested = FactArrays.Copy(c.FlagRequested, owners),
            FlagSgiSent = FactArrays.Copy(c.FlagSgiSent, owners),
            FlagServed = FactArrays.Copy(c.FlagServed, owners),
            FlagWaiting = FactArrays.Copy(Enumerable.Range(0, owners).Select(o => (long)c.FlagWaiting(o)).ToArray(), owners),
            FlagLatencies = FactArrays.Trim(Enumerable.Range(0, owners).Select(o => Samples(c.FlagLatencies(o))).ToArray()),
            MuxRequested = FactArrays.Copy(c.MuxRequested, bits),
            MuxSgiSent = FactArrays.Copy(c.MuxSgiSent, bits),
            MuxHandled = FactArrays.Copy(c.MuxHandled, bits),
            MuxServed = FactArrays.Copy(c.MuxServed, bits),
            MuxWaiting = FactArrays.Copy(Enumerable.Range(0, bits).Select(b => (long)c.MuxWaiting(b)).ToArray(), bits),
            MuxLatencies = FactArrays.Trim(Enumerable.Range(0, bits).Select(b => Samples(c.MuxLatencies[b])).ToArray()),
            MuxWaitingDetail = c.MuxWaitingDetail().SelectMany(w => new[] { (long)w.Bit, w.Time }).ToArray(),
            NotStopped = [.. c.NotStopped],
            KernelMessages = [.. c.KernelMessages],
            BacktraceTargets = [.. c.BacktraceTargets],
            KgdbTargets = [.. c.KgdbTargets],
            // Empty when still the boot routing (as on most CPUs of most runs).
            Routes = routes.SequenceEqual(boot.Routes.Select(r => r.Encode())) ? [] : routes,
            Handlers = handlers.SequenceEqual(boot.Handlers) ? [] : handlers,
            ReplaySent = FactArrays.Copy(c.ReplaySent, owners),
            ReplayRequests = FactArrays.Copy(c.ReplayRequests, owners),
        };
    }
}

/// <summary>Counter arrays of the facts are empty when all zero: read them through these.</summary>
public static class FactArrays
{
    /// <summary>Shared by every component without violations (most of them): never modified.</summary>
    internal static readonly List<string> NoViolations = [];

    public static long At(this long[] a, int i) => (uint)i < (uint)a.Length ? a[i] : 0;
    public static long[] At(this long[][] a, int i) => (uint)i < (uint)a.Length ? a[i] : [];

    /// <summary>The first <paramref name="n"/> counters, cut after the last one that is not zero (<see cref="At(long[], int)"/> reads past the end as 0).</summary>
    internal static long[] Copy(IReadOnlyList<long> list, int n)
    {
        int length = Math.Min(n, list.Count);
        while (length > 0 && list[length - 1] == 0) length--;
        if (length == 0) return [];
        var copy = new long[length];
        for (int i = 0; i < length; i++) copy[i] = list[i];
        return copy;
    }

    /// <summary>Per-index sample arrays, cut after the last one that is not empty.</summary>
    internal static long[][] Trim(long[][] arrays)
    {
        int length = arrays.Length;
        while (length > 0 && arrays[length - 1].Length == 0) length--;
        return length == arrays.Length ? arrays : arrays[..length];
    }
}

/// <summary>What the report needs to know about one redistributor at the end of a run.</summary>
public sealed class RedistributorFacts
{
    public long Coalesced { get; set; }
    public long Delivered { get; set; }
    public long Dropped { get; set; }
    /// <summary>Discarded set-pendings: SGI, <see cref="DropReason"/>, count, SGI, reason, count...</summary>
    public long[] Drops { get; set; } = [];
    public int LatchedSgis { get; set; }
    public List<string> Violations { get; set; } = [];
    /// <summary>Per owner.</summary>
    public long[] Served { get; set; } = [];
    public long[] Waiting { get; set; } = [];
    public long[][] Latencies { get; set; } = [];
    /// <summary>Requests still latched: owner, time, owner, time...</summary>
    public long[] WaitingDetail { get; set; } = [];

    public static RedistributorFacts Of(RedistributorComponent r, int owners)
    {
        var latencies = new long[owners][];
        for (int o = 0; o < owners; o++)
        {
            var list = new List<long>();
            r.Latencies(o)?.CopyTo(list);
            latencies[o] = list.ToArray();
        }
        return new RedistributorFacts
        {
            Coalesced = r.Coalesced,
            Delivered = r.Delivered,
            Dropped = r.Dropped,
            Drops = r.Dropped == 0 ? [] : DropTriples(r),
            LatchedSgis = r.LatchedSgis,
            Violations = r.Violations.Count == 0 ? FactArrays.NoViolations : [.. r.Violations],
            Served = FactArrays.Copy(Enumerable.Range(0, owners).Select(r.Served).ToArray(), owners),
            Waiting = FactArrays.Copy(Enumerable.Range(0, owners).Select(o => (long)r.WaitingRequests(o)).ToArray(), owners),
            Latencies = FactArrays.Trim(latencies),
            WaitingDetail = r.WaitingDetail().SelectMany(w => new[] { (long)w.Owner, w.Time }).ToArray(),
        };
    }

    private static long[] DropTriples(RedistributorComponent r)
    {
        var triples = new List<long>();
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
            foreach (var reason in (ReadOnlySpan<DropReason>)[DropReason.Group, DropReason.Firmware])
                if (r.DropsOf(sgi, reason) is var n and > 0) triples.AddRange([sgi, (long)reason, n]);
        return [.. triples];
    }
}

/// <summary>One component's trace chain: what the digest combines, in component order.</summary>
public sealed record ChainFacts(int Component, ulong Lane1, ulong Lane2, long Count);

/// <summary>
/// Everything the report reads from the components, as plain data. In one process it is taken
/// from every component at once; a cluster node takes it from the components it hosts and sends
/// it to the coordinator, which merges the nodes' facts and builds the same report.
/// </summary>
public sealed class RunFacts
{
    public CpuFacts?[] Cpus { get; set; } = [];
    public RedistributorFacts?[] Redistributors { get; set; } = [];
    /// <summary>Per chip: the set-pendings its distributor sent (-1 when not hosted here).</summary>
    public long[] DistributorSent { get; set; } = [];
    public List<ChainFacts> Chains { get; set; } = [];

    public CpuFacts Cpu(int cpu) => Cpus[cpu] ?? throw new InvalidOperationException($"no facts for CPU {cpu}");
    public RedistributorFacts Redistributor(int cpu) => Redistributors[cpu] ?? throw new InvalidOperationException($"no facts for redistributor {cpu}");

    /// <summary>The facts of the components for which <paramref name="hosted"/> holds (all of them by default).</summary>
    public static RunFacts Of(Simulation sim, Func<int, bool>? hosted = null)
    {
        var layout = sim.Layout;
        int owners = sim.Owners.Count;
        var facts = new RunFacts
        {
            Cpus = new CpuFacts?[layout.Cpus],
            Redistributors = new RedistributorFacts?[layout.Cpus],
            DistributorSent = Enumerable.Repeat(-1L, layout.Chips).ToArray(),
        };
        foreach (var component in sim.Built)
        {
            if (hosted is not null && !hosted(component.Id)) continue;
            switch (component)
            {
                case CpuComponent c: facts.Cpus[layout.CpuOf(c.Id)] = CpuFacts.Of(c, owners, sim.Boot); break;
                case RedistributorComponent r: facts.Redistributors[layout.CpuOf(r.Id)] = RedistributorFacts.Of(r, owners); break;
                case DistributorComponent d: facts.DistributorSent[d.Id - 2 * layout.Cpus] = d.Sent; break;
            }
            var (a, b) = component.Trace.Chain;
            facts.Chains.Add(new ChainFacts(component.Id, a, b, component.Trace.Count));
        }
        return facts;
    }

    /// <summary>Adds another node's facts (each component is hosted by exactly one node).</summary>
    public void Merge(RunFacts other)
    {
        for (int i = 0; i < Cpus.Length; i++) Cpus[i] ??= other.Cpus[i];
        for (int i = 0; i < Redistributors.Length; i++) Redistributors[i] ??= other.Redistributors[i];
        for (int i = 0; i < DistributorSent.Length; i++)
            if (DistributorSent[i] < 0) DistributorSent[i] = other.DistributorSent[i];
        Chains.AddRange(other.Chains);
    }

    /// <summary>
    /// The facts as a node sends them: a compact binary form (<see cref="RunFactsCodec"/>, most
    /// counter arrays empty and one byte each), Brotli-compressed at its fastest. Written and read
    /// field by field, without reflection: at 16,384 CPUs a node's facts take tens of milliseconds
    /// where JSON took seconds.
    /// </summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var brotli = new System.IO.Compression.BrotliStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        using (var writer = new BinaryWriter(new BufferedStream(brotli, 1 << 16)))
            RunFactsCodec.Write(writer, this);
        return buffer.ToArray();
    }

    public static RunFacts FromBytes(byte[] bytes)
    {
        using var brotli = new System.IO.Compression.BrotliStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new BinaryReader(new BufferedStream(brotli, 1 << 16));
        return RunFactsCodec.Read(reader);
    }
}
