namespace ActorGic.Engine;

/// <summary>
/// <see cref="RunFacts"/> in binary, field by field (<see cref="RunFacts.ToBytes"/>): counts and
/// counters 7-bit encoded, so an empty array is one byte. A field added to <see cref="CpuFacts"/>
/// or <see cref="RedistributorFacts"/> must be added here too: the round-trip test sets every
/// property and fails on one this codec forgets.
/// </summary>
internal static class RunFactsCodec
{
    private const int Version = 1;

    public static void Write(BinaryWriter w, RunFacts f)
    {
        w.Write7BitEncodedInt(Version);
        w.Write7BitEncodedInt(f.Cpus.Length);
        foreach (var c in f.Cpus)
        {
            w.Write(c is not null);
            if (c is not null) WriteCpu(w, c);
        }
        w.Write7BitEncodedInt(f.Redistributors.Length);
        foreach (var r in f.Redistributors)
        {
            w.Write(r is not null);
            if (r is not null) WriteRedistributor(w, r);
        }
        Longs(w, f.DistributorSent);
        w.Write7BitEncodedInt(f.Chains.Count);
        foreach (var chain in f.Chains)
        {
            w.Write7BitEncodedInt(chain.Component);
            w.Write(chain.Lane1);
            w.Write(chain.Lane2);
            w.Write7BitEncodedInt64(chain.Count);
        }
    }

    public static RunFacts Read(BinaryReader r)
    {
        int version = r.Read7BitEncodedInt();
        if (version != Version)
            throw new InvalidDataException($"run facts of format {version}; this build reads format {Version}");
        var f = new RunFacts { Cpus = new CpuFacts?[Count(r)] };
        for (int i = 0; i < f.Cpus.Length; i++) f.Cpus[i] = r.ReadBoolean() ? ReadCpu(r) : null;
        f.Redistributors = new RedistributorFacts?[Count(r)];
        for (int i = 0; i < f.Redistributors.Length; i++) f.Redistributors[i] = r.ReadBoolean() ? ReadRedistributor(r) : null;
        f.DistributorSent = Longs(r);
        int chains = Count(r);
        f.Chains = new List<ChainFacts>(chains);
        for (int i = 0; i < chains; i++)
            f.Chains.Add(new ChainFacts(r.Read7BitEncodedInt(), r.ReadUInt64(), r.ReadUInt64(), r.Read7BitEncodedInt64()));
        return f;
    }

    private static void WriteCpu(BinaryWriter w, CpuFacts c)
    {
        w.Write7BitEncodedInt((int)c.State);
        Longs(w, c.Acks);
        w.Write7BitEncodedInt64(c.Spurious);
        NullableString(w, c.StoppedBy);
        w.Write(c.Backtraced);
        w.Write(c.RoundedUp);
        w.Write7BitEncodedInt64(c.SgiWrites);
        w.Write7BitEncodedInt64(c.SgiTargets);
        Strings(w, c.Violations);
        w.Write7BitEncodedInt64(c.CallRequested);
        w.Write7BitEncodedInt64(c.CallSgiSent);
        w.Write7BitEncodedInt64(c.CallServed);
        w.Write7BitEncodedInt64(c.CallQueueLength);
        Longs(w, c.CallLatencies);
        Longs(w, c.Requested);
        Longs(w, c.Refused);
        Longs(w, c.HandlerRuns);
        Longs(w, c.FlagRequested);
        Longs(w, c.FlagSgiSent);
        Longs(w, c.FlagServed);
        Longs(w, c.FlagWaiting);
        Jagged(w, c.FlagLatencies);
        Longs(w, c.MuxRequested);
        Longs(w, c.MuxSgiSent);
        Longs(w, c.MuxHandled);
        Longs(w, c.MuxServed);
        Longs(w, c.MuxWaiting);
        Jagged(w, c.MuxLatencies);
        Longs(w, c.MuxWaitingDetail);
        Ints(w, c.NotStopped);
        Strings(w, c.KernelMessages);
        Ints(w, c.BacktraceTargets);
        Ints(w, c.KgdbTargets);
        Longs(w, c.Routes);
        Ints(w, c.Handlers);
        Longs(w, c.ReplaySent);
        Longs(w, c.ReplayRequests);
    }

    private static CpuFacts ReadCpu(BinaryReader r) => new()
    {
        // Initialisers run in order: the same order as WriteCpu.
        State = (CpuState)r.Read7BitEncodedInt(),
        Acks = Longs(r),
        Spurious = r.Read7BitEncodedInt64(),
        StoppedBy = NullableString(r),
        Backtraced = r.ReadBoolean(),
        RoundedUp = r.ReadBoolean(),
        SgiWrites = r.Read7BitEncodedInt64(),
        SgiTargets = r.Read7BitEncodedInt64(),
        Violations = StringList(r),
        CallRequested = r.Read7BitEncodedInt64(),
        CallSgiSent = r.Read7BitEncodedInt64(),
        CallServed = r.Read7BitEncodedInt64(),
        CallQueueLength = r.Read7BitEncodedInt64(),
        CallLatencies = Longs(r),
        Requested = Longs(r),
        Refused = Longs(r),
        HandlerRuns = Longs(r),
        FlagRequested = Longs(r),
        FlagSgiSent = Longs(r),
        FlagServed = Longs(r),
        FlagWaiting = Longs(r),
        FlagLatencies = Jagged(r),
        MuxRequested = Longs(r),
        MuxSgiSent = Longs(r),
        MuxHandled = Longs(r),
        MuxServed = Longs(r),
        MuxWaiting = Longs(r),
        MuxLatencies = Jagged(r),
        MuxWaitingDetail = Longs(r),
        NotStopped = Ints(r),
        KernelMessages = [.. StringList(r)],
        BacktraceTargets = Ints(r),
        KgdbTargets = Ints(r),
        Routes = Longs(r),
        Handlers = Ints(r),
        ReplaySent = Longs(r),
        ReplayRequests = Longs(r),
    };

    private static void WriteRedistributor(BinaryWriter w, RedistributorFacts f)
    {
        w.Write7BitEncodedInt64(f.Coalesced);
        w.Write7BitEncodedInt64(f.Delivered);
        w.Write7BitEncodedInt64(f.Dropped);
        Longs(w, f.Drops);
        w.Write7BitEncodedInt(f.LatchedSgis);
        Strings(w, f.Violations);
        Longs(w, f.Served);
        Longs(w, f.Waiting);
        Jagged(w, f.Latencies);
        Longs(w, f.WaitingDetail);
    }

    private static RedistributorFacts ReadRedistributor(BinaryReader r) => new()
    {
        Coalesced = r.Read7BitEncodedInt64(),
        Delivered = r.Read7BitEncodedInt64(),
        Dropped = r.Read7BitEncodedInt64(),
        Drops = Longs(r),
        LatchedSgis = r.Read7BitEncodedInt(),
        Violations = StringList(r),
        Served = Longs(r),
        Waiting = Longs(r),
        Latencies = Jagged(r),
        WaitingDetail = Longs(r),
    };

    /// <summary>A count, refused when negative (a damaged stream).</summary>
    private static int Count(BinaryReader r)
    {
        int n = r.Read7BitEncodedInt();
        return n >= 0 ? n : throw new InvalidDataException($"a negative count ({n}) in run facts");
    }

    private static void Longs(BinaryWriter w, IReadOnlyList<long> a)
    {
        w.Write7BitEncodedInt(a.Count);
        for (int i = 0; i < a.Count; i++) w.Write7BitEncodedInt64(a[i]);
    }

    private static long[] Longs(BinaryReader r)
    {
        int n = Count(r);
        if (n == 0) return [];
        var a = new long[n];
        for (int i = 0; i < n; i++) a[i] = r.Read7BitEncodedInt64();
        return a;
    }

    private static void Ints(BinaryWriter w, int[] a)
    {
        w.Write7BitEncodedInt(a.Length);
        foreach (int v in a) w.Write7BitEncodedInt(v);
    }

    private static int[] Ints(BinaryReader r)
    {
        int n = Count(r);
        if (n == 0) return [];
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.Read7BitEncodedInt();
        return a;
    }

    private static void Jagged(BinaryWriter w, long[][] a)
    {
        w.Write7BitEncodedInt(a.Length);
        foreach (var row in a) Longs(w, row);
    }

    private static long[][] Jagged(BinaryReader r)
    {
        int n = Count(r);
        if (n == 0) return [];
        var a = new long[n][];
        for (int i = 0; i < n; i++) a[i] = Longs(r);
        return a;
    }

    private static void Strings(BinaryWriter w, IReadOnlyList<string> list)
    {
        w.Write7BitEncodedInt(list.Count);
        foreach (var s in list) w.Write(s);
    }

    private static List<string> StringList(BinaryReader r)
    {
        int n = Count(r);
        if (n == 0) return FactArrays.NoViolations;
        var list = new List<string>(n);
        for (int i = 0; i < n; i++) list.Add(r.ReadString());
        return list;
    }

    private static void NullableString(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

    private static string? NullableString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
