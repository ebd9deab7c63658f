namespace ActorGic.Kernel;

/// <summary>One user of the shared NMI SGI: its bit in every CPU's pending word, and its dispatch order.</summary>
public sealed record NmiUser(string Name, int Priority, int Bit, bool NeverReturns);

/// <summary>A registration the broker refuses: a 33rd user, a duplicate name, an unknown one.</summary>
public sealed class NmiBrokerException(string message) : Exception(message);

/// <summary>
/// The registry of the NMI broker: up to 32 users share one NMI SGI, each with a bit in every
/// CPU's 32-bit pending word (ipi-mux's layout, kernel/irq/ipi-mux.c) and a priority that orders
/// dispatch. A user whose handler never returns (cpu-stop parks the CPU) is dispatched after all
/// others, so no claimed request is stranded behind it.
/// </summary>
public sealed class NmiBroker
{
    public const int MaxUsers = 32;
    private readonly List<NmiUser> _users = new();

    /// <summary>The built-in users: what the era's NMI IPIs become when kernel.nmi-mux = on.</summary>
    public static IReadOnlyList<(string Name, int Priority, bool NeverReturns)> BuiltIns { get; } =
        [("backtrace", 10, false), ("kgdb-roundup", 20, false), ("cpu-stop", 30, true)];

    public IReadOnlyList<NmiUser> Users => _users;

    public NmiUser this[string name] =>
        _users.FirstOrDefault(u => u.Name == name) ?? throw new NmiBrokerException($"no NMI user {name} is registered");

    public bool Has(string name) => _users.Any(u => u.Name == name);

    /// <summary>An independent registry with the same users and bits.</summary>
    public NmiBroker Copy()
    {
        var copy = new NmiBroker();
        copy._users.AddRange(_users);
        return copy;
    }

    public NmiUser Register(string name, int priority, bool neverReturns = false)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new NmiBrokerException("an NMI user needs a name");
        if (Has(name)) throw new NmiBrokerException($"NMI user {name} is already registered");
        if (_users.Count == MaxUsers)
            throw new NmiBrokerException($"NMI user {name} refused: the shared NMI SGI carries at most {MaxUsers} users, all taken");
        int bit = 0;
        while (_users.Any(u => u.Bit == bit)) bit++;
        var user = new NmiUser(name, priority, bit, neverReturns);
        _users.Add(user);
        return user;
    }

    public void Unregister(string name)
    {
        if (_users.RemoveAll(u => u.Name == name) == 0) throw new NmiBrokerException($"no NMI user {name} is registered");
    }

    /// <summary>The users whose bits are set, in the order the NMI handler runs them.</summary>
    public IEnumerable<NmiUser> DispatchOrder(uint claimed) =>
        _users.Where(u => (claimed >> u.Bit & 1) != 0)
            .OrderBy(u => u.NeverReturns).ThenBy(u => u.Priority).ThenBy(u => u.Bit);

    /// <summary>The user that replaces an era's NMI IPI under kernel.nmi-mux = on, or null.</summary>
    public static string? UserFor(string ipi) => ipi switch
    {
        "CPU_BACKTRACE" => "backtrace",
        "KGDB_ROUNDUP" => "kgdb-roundup",
        "CPU_STOP" or "CPU_STOP_NMI" or "CPU_CRASH_STOP" => "cpu-stop",
        _ => null,
    };
}
