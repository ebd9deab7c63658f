using ActorGic.Engine;
using ActorGic.Kernel;

namespace ActorGic.Scenarios;

/// <summary>
/// Which names <c>timing.ipi-handlers</c> may give a time to. A handler's time is looked up by the
/// name of whoever owns the SGI it runs for (<see cref="Owners"/>: the profile's IPIs, a raw SGI's
/// <c>SGIn</c> where no IPI boots on it, the purposes request-sgi asks for) or, for a broker user,
/// by the user's name (the built-in backtrace and kgdb-roundup take CPU_BACKTRACE's and
/// KGDB_ROUNDUP's), so any other name would be a time nothing ever reads: a typo the run would
/// silently ignore. The scenario's own block (and a <c>--set</c>) must name one of those. The
/// defaults (<c>hocon/actorgic.conf</c>) serve every era, so they may name an IPI that only some
/// profiles have (WAKEUP is linux-6.1's); a name no profile knows is refused there too.
/// </summary>
internal static class IpiHandlerNames
{
    public static void Check(HoconNode scenario, HoconNode defaults, Scenario built)
    {
        var known = Known(built);
        foreach (var (name, node) in Keys(scenario))
            if (!known.Contains(name)) throw node.Fail(NotKnown(name, built));
        var anyEra = KernelProfiles.All.SelectMany(p => p.Ipis).Select(i => i.Name).ToHashSet();
        foreach (var (name, node) in Keys(defaults))
            if (!known.Contains(name) && !anyEra.Contains(name))
                throw node.Fail($"{name} is an IPI of no Linux profile ({string.Join(", ", anyEra)}): the defaults may name an IPI only some eras have, not an unknown one");
    }

    /// <summary>The block's keys as the loader stores them (IPI_ prefix dropped), with their nodes; a block that is no block is the loader's error.</summary>
    private static IEnumerable<(string Name, HoconNode Node)> Keys(HoconNode block) =>
        block.Exists && block.IsObject
            ? block.Keys.Select(k => (k.StartsWith("IPI_", StringComparison.Ordinal) ? k[4..] : k, block[k]))
            : [];

    private static HashSet<string> Known(Scenario s)
    {
        var owners = new Owners(s);
        var known = Enumerable.Range(0, owners.Count).Select(owners.Name).ToHashSet();
        known.UnionWith(s.NmiUsers.Select(u => u.Name));
        if (s.NmiUsers.Count > 0 || s.NmiMux) known.UnionWith(["CPU_BACKTRACE", "KGDB_ROUNDUP"]);
        return known;
    }

    private static string NotKnown(string name, Scenario s)
    {
        if (s.Kernel is not { } kernel)
            return $"{name} is not a handler of profile none: its handlers are raw SGIs, SGI0 to SGI15 (timing.handler for every one not named)";
        var ipis = kernel.Ipis.Select(i => i.Name).ToList();
        if (s.NmiUsers.Count > 0 || s.NmiMux)
            ipis.AddRange(new[] { "CPU_BACKTRACE", "KGDB_ROUNDUP" }.Where(n => !ipis.Contains(n)));
        var others = new List<string>();
        var users = s.NmiUsers.Select(u => u.Name).ToList();
        if (users.Count > 0) others.Add($"an NMI user ({string.Join(", ", users)})");
        var purposes = s.Purposes.Select(p => p.Name).ToList();
        if (purposes.Count > 0) others.Add($"a request-sgi purpose ({string.Join(", ", purposes)})");
        string tail = others.Count == 0 ? "" : $", nor {string.Join(" or ", others)}";
        string builtIn = name switch
        {
            "backtrace" => "; the built-in NMI user backtrace takes CPU_BACKTRACE's time",
            "kgdb-roundup" => "; the built-in NMI user kgdb-roundup takes KGDB_ROUNDUP's time",
            "cpu-stop" => "; the built-in NMI user cpu-stop never returns, so it has no handler time",
            _ => "",
        };
        return $"{name} is not an IPI of {kernel.Name} ({string.Join(", ", ipis)}){tail}{builtIn}";
    }
}
