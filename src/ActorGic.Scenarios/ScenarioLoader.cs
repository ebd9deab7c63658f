using System.Globalization;
using ActorGic.Engine;
using ActorGic.Gic;
using ActorGic.Kernel;
using Akka.Configuration;

namespace ActorGic.Scenarios;

/// <summary>
/// Turns a scenario file (SCENARIOS.md section 2) into a validated <see cref="Scenario"/>. Every
/// invalid field is rejected before a run starts, with its HOCON path and the reason. Defaults
/// come from hocon/actorgic.conf (embedded), under <c>actorgic</c>.
/// </summary>
public static class ScenarioLoader
{
    private static readonly string[] ScenarioKeys = ["name", "seed", "end", "topology", "gic", "kernel", "timing", "nmi-users", "reclaim", "invariants", "actions"];
    private static readonly string[] ReclaimKeys = ["reprogram", "drain-bound", "promote", "owners"];
    /// <summary>At most this many purposes may ask for SGIs in one scenario.</summary>
    public const int MaxPurposes = 32;
    private static readonly string[] GicKeys = ["priority-bits", "eoi-mode", "nmi", "security", "ns-sgis"];
    private static readonly string[] KernelKeys = ["profile", "nmi-mux", "preemptible-handlers"];
    private static readonly string[] TimingKeys =
        ["cpu-to-distributor", "distributor-to-redistributor", "chip-to-chip", "redistributor-to-cpu", "cpu-to-redistributor",
         "sgi-write", "exception-entry", "handler", "remote-atomic", "remote-atomic-across-chips", "call-function-item", "ipi-handlers", "mmio-write", "reclaim-issue"];
    private static readonly string[] KnownProfiles = ["none", "linux-6.1", "linux-6.7", "linux-6.12"];
    private static readonly string[] ActionKeys =
        ["at", "cpu", "do", "intid", "to", "irm", "for", "priority", "rate", "cpus", "until", "ipi", "user", "purpose", "nmi"];

    private static readonly Lazy<Config> EmbeddedDefaults = new(() =>
    {
        using var stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream("actorgic.conf")
            ?? throw new InvalidOperationException("actorgic.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    public static Config Defaults => EmbeddedDefaults.Value;

    public static Scenario LoadFile(string file, long? seedOverride = null) =>
        Load(HoconFile.Load(file), Path.GetFileNameWithoutExtension(file), seedOverride,
            ScenarioInputs.FileSystem(Path.GetDirectoryName(Path.GetFullPath(file))!));

    public static Scenario LoadText(string hocon, long? seedOverride = null) =>
        Load(HoconFile.Parse(hocon, "scenario", Directory.GetCurrentDirectory()), "scenario", seedOverride);

    /// <param name="inputs">Where replay traces come from (default: the file system, relative to the current directory).</param>
    public static Scenario Load(Config config, string fallbackName, long? seedOverride = null, ScenarioInputs? inputs = null)
    {
        inputs ??= ScenarioInputs.FileSystem(Directory.GetCurrentDirectory());
        var root = new HoconNode(config.Root, "");
        root.RejectUnknownKeys("scenario");
        var s = root["scenario"];
        if (!s.IsObject) throw new ScenarioException("scenario", "missing: a scenario file has one scenario { ... } block");
        s.RejectUnknownKeys(ScenarioKeys);
        var defaults = new HoconNode(Defaults.Root, "")["actorgic"];

        var givenTopology = s["topology"].Exists ? TopologyLoader.FromNode(s["topology"]) : null;
        var gic = LoadGic(Block(s, "gic", GicKeys), defaults["gic"]);
        var kernel = Block(s, "kernel", KernelKeys);
        string profile = Pick(kernel, defaults["kernel"], "profile").String();
        if (Array.IndexOf(KnownProfiles, profile) < 0)
            throw Pick(kernel, defaults["kernel"], "profile").Fail($"unknown profile \"{profile}\" (known: {string.Join(", ", KnownProfiles)})");
        KernelProfile? kernelProfile = null;
        if (profile != "none")
        {
            KernelProfiles.TryGet(profile, out kernelProfile);
            try
            {
                KernelProfile.CheckBudget(kernelProfile.Ipis, 8, profile);
            }
            catch (GicConfigurationException e)
            {
                throw Pick(kernel, defaults["kernel"], "profile").Fail(e.Message);
            }
        }
        bool nmiMux = Pick(kernel, defaults["kernel"], "nmi-mux").Bool();
        bool preemptible = Pick(kernel, defaults["kernel"], "preemptible-handlers").Bool();
        var nmiUsers = new List<(string Name, int Priority)>();
        if (s["nmi-users"].Exists)
            foreach (var u in s["nmi-users"].Elements())
            {
                if (!u.IsObject) throw u.Fail("expected { name = NAME, priority = N }");
                u.RejectUnknownKeys("name", "priority");
                nmiUsers.Add((u["name"].String(), u["priority"].Int(100, 0, 1000)));
            }

        var timing = LoadTiming(Block(s, "timing", TimingKeys), defaults["timing"]);
        long seed = seedOverride ?? (s["seed"].Exists ? s["seed"].Long() : defaults["run"]["seed"].Long());
        long end = Duration.ParseNs((s["end"].Exists ? s["end"] : defaults["run"]["end"]).String(), s["end"].Path);
        if (end < 1) throw s["end"].Fail("must be at least 1ns");

        var reclaim = LoadReclaim(Block(s, "reclaim", ReclaimKeys), defaults["reclaim"], kernelProfile);
        var actionNodes = s["actions"].Exists ? s["actions"].Elements() : [];
        // A replay first: without a topology block the trace sizes it, without an end its last send sets it.
        var (replay, replayPath) = LoadReplay(actionNodes, givenTopology, kernelProfile, profile, inputs);
        var topology = givenTopology ?? (replay is not null ? Topology.Regular(replay.Replay!.Trace.Cpus, 16, 256) : Topology.Regular(8, 16, 256));
        if (replay is not null)
        {
            if (s["end"].Exists) ReplayLoader.CheckEnd(replay, end, replayPath!);
            else end = Math.Max(end, replay.At + replay.Replay!.LastSend + ReplayLoader.DrainAfterLastSend);
        }
        var actions = new List<ScenarioAction>();
        foreach (var a in actionNodes)
            actions.Add(ReplayLoader.IsReplay(a) ? replay! : LoadAction(a, topology.CpuCount, end, profile, kernelProfile, gic));
        if (inputs.Replay is not null) actions.Add(replay!);
        ResolvePurposes(actions, s["actions"].Exists ? s["actions"].Elements().ToList() : [], kernelProfile);

        var built = new Scenario
        {
            Name = s["name"].String(fallbackName),
            Seed = seed,
            End = end,
            Topology = topology,
            Gic = gic,
            Profile = profile,
            Kernel = kernelProfile,
            Timing = timing,
            Actions = actions,
            PreemptibleHandlers = preemptible,
            NmiMux = nmiMux,
            NmiUsers = nmiUsers,
            Reclaim = reclaim,
            NmiDeadline = NmiDeadline(Block(s, "invariants", ["nmi-deadline"]), defaults["invariants"]),
        };
        try
        {
            built.PlanMux();
        }
        catch (NmiBrokerException e)
        {
            throw (nmiUsers.Count > 0 ? s["nmi-users"] : Pick(kernel, defaults["kernel"], "nmi-mux")).Fail(e.Message);
        }
        var plan = built.PlanMux();
        foreach (var (action, node) in built.Actions.Zip(s["actions"].Exists ? s["actions"].Elements() : []))
        {
            if (action.User is not null && !(plan?.Broker.Has(action.User) ?? false))
                throw node["user"].Fail($"no NMI user {action.User} (built in: backtrace, kgdb-roundup, cpu-stop; declare others in nmi-users)");
            if (plan is not null && kernelProfile is not null && action.Do is ActionVerb.Sgi or ActionVerb.Traffic && action.User is null
                && action.Ipi is null && (action.Intid == plan.Sgi || plan.IsFreed(action.Intid, kernelProfile)))
                throw node["intid"].Fail(action.Intid == plan.Sgi
                    ? $"SGI {action.Intid} is the NMI broker's: send through it with do = nmi, user = NAME"
                    : $"SGI {action.Intid} was freed by the NMI broker and is disabled: a send to it would wait for ever");
        }
        IpiHandlerNames.Check(s["timing"]["ipi-handlers"], defaults["timing"]["ipi-handlers"], built);
        return built;
    }

    /// <summary>The scenario's replay action (at most one: in the file, or the command line's --replay) and the path its errors name.</summary>
    private static (ScenarioAction?, string?) LoadReplay(IReadOnlyList<HoconNode> actions, Topology? topology, KernelProfile? kernel, string profile,
        ScenarioInputs inputs)
    {
        ScenarioAction? replay = null;
        string? path = null;
        foreach (var a in actions)
        {
            if (!ReplayLoader.IsReplay(a)) continue;
            if (replay is not null) throw a["do"].Fail($"one replay per scenario ({path} is one already)");
            replay = ReplayLoader.FromHocon(a, topology, kernel, profile, inputs);
            path = a.Path;
        }
        if (inputs.Replay is { } cli)
        {
            if (replay is not null) throw new ScenarioException("--replay", $"the scenario replays a trace already ({path})");
            replay = ReplayLoader.FromCommandLine(cli, topology, kernel, profile, inputs);
            path = "--replay";
        }
        return (replay, path);
    }

    private static HoconNode Block(HoconNode scenario, string key, string[] known)
    {
        var block = scenario[key];
        if (!block.Exists) return block;
        if (!block.IsObject) throw block.Fail("expected a block { ... }");
        block.RejectUnknownKeys(known);
        return block;
    }

    private static HoconNode Pick(HoconNode block, HoconNode defaults, string key) =>
        block[key].Exists ? block[key] : defaults[key];

    private static GicOptions LoadGic(HoconNode g, HoconNode d)
    {
        var eoi = Pick(g, d, "eoi-mode");
        int eoiMode = eoi.Int(0, 1);
        var nmi = Pick(g, d, "nmi");
        var security = Pick(g, d, "security");
        var nsSgis = Pick(g, d, "ns-sgis");
        int ns = nsSgis.Int(8, 16);
        if (ns is not (8 or 16)) throw nsSgis.Fail($"must be 8 or 16, not {ns}");
        return new GicOptions
        {
            PriorityBits = Pick(g, d, "priority-bits").Int(4, 8),
            EoiMode = eoiMode == 1,
            Nmi = nmi.String() switch
            {
                "pseudo" => NmiMode.Pseudo,
                "architected" => NmiMode.Architected,
                "none" => NmiMode.None,
                var other => throw nmi.Fail($"\"{other}\" is not pseudo, architected or none"),
            },
            Security = security.String() switch
            {
                "one" => SecurityStates.One,
                "two" => SecurityStates.Two,
                var other => throw security.Fail($"\"{other}\" is not one or two"),
            },
            NonSecureSgis = ns,
        };
    }

    private static TimingModel LoadTiming(HoconNode t, HoconNode d)
    {
        long Get(string key)
        {
            var node = Pick(t, d, key);
            long ns = Duration.ParseNs(node.String(), node.Path);
            if (ns < 1) throw node.Fail("every latency is at least 1ns");
            return ns;
        }
        return new TimingModel
        {
            CpuToDistributor = Get("cpu-to-distributor"),
            DistributorToRedistributor = Get("distributor-to-redistributor"),
            ChipToChip = Get("chip-to-chip"),
            RedistributorToCpu = Get("redistributor-to-cpu"),
            CpuToRedistributor = Get("cpu-to-redistributor"),
            SgiWrite = Get("sgi-write"),
            ExceptionEntry = Get("exception-entry"),
            Handler = Get("handler"),
            RemoteAtomic = Get("remote-atomic"),
            RemoteAtomicAcrossChips = Get("remote-atomic-across-chips"),
            CallFunctionItem = Get("call-function-item"),
            MmioWrite = Get("mmio-write"),
            ReclaimIssue = Get("reclaim-issue"),
            IpiHandlers = IpiHandlers(t["ipi-handlers"], d["ipi-handlers"]),
        };
    }

    /// <summary>timing.ipi-handlers { RESCHEDULE = 200ns, ... }: the scenario's keys over the defaults'.</summary>
    private static Dictionary<string, long> IpiHandlers(HoconNode scenario, HoconNode defaults)
    {
        var result = new Dictionary<string, long>();
        foreach (var block in new[] { defaults, scenario })
        {
            if (!block.Exists) continue;
            if (!block.IsObject) throw block.Fail("expected a block { RESCHEDULE = 200ns, ... }");
            foreach (var key in block.Keys)
            {
                long ns = Duration.ParseNs(block[key].String(), block[key].Path);
                if (ns < 1) throw block[key].Fail("every latency is at least 1ns");
                result[key.StartsWith("IPI_", StringComparison.Ordinal) ? key[4..] : key] = ns;
            }
        }
        return result;
    }

    private static long NmiDeadline(HoconNode block, HoconNode defaults)
    {
        var node = Pick(block, defaults, "nmi-deadline");
        long ns = Duration.ParseNs(node.String(), node.Path);
        if (ns < 1) throw node.Fail("must be at least 1ns");
        return ns;
    }

    private static ReclaimOptions LoadReclaim(HoconNode r, HoconNode d, KernelProfile? kernel)
    {
        var way = Pick(r, d, "reprogram");
        var bound = Pick(r, d, "drain-bound");
        long boundNs = Duration.ParseNs(bound.String(), bound.Path);
        if (boundNs < 1) throw bound.Fail("must be at least 1ns");
        var stances = new Dictionary<string, OwnerStance>();
        var owners = r["owners"];
        if (owners.Exists)
        {
            if (!owners.IsObject) throw owners.Fail("expected a block { TIMER = refuses, IRQ_WORK = pinned }");
            foreach (var key in owners.Keys)
            {
                var node = owners[key];
                string name = key.StartsWith("IPI_", StringComparison.Ordinal) ? key[4..] : key;
                if (kernel is null || !kernel.Has(name))
                    throw node.Fail(kernel is null ? "owners need a Linux kernel profile" : $"{kernel.Name} has no IPI {name} (it has: {string.Join(", ", kernel.Ipis.Select(i => i.Name))})");
                stances[name] = node.String() switch
                {
                    "pinned" => OwnerStance.Pinned,
                    "refuses" => OwnerStance.Refuses,
                    "default" => OwnerStance.Default,
                    var other => throw node.Fail($"\"{other}\" is not pinned, refuses or default"),
                };
            }
        }
        return new ReclaimOptions
        {
            Reprogram = way.String() switch
            {
                "mmio" => ReprogramWay.Mmio,
                "per-cpu" => ReprogramWay.PerCpu,
                var other => throw way.Fail($"\"{other}\" is not mmio or per-cpu"),
            },
            DrainBound = boundNs,
            Promote = Pick(r, d, "promote").Bool(),
            Stances = stances,
        };
    }

    /// <summary>
    /// Purposes get owner indexes after the profile's 16 boot slots, in order of first request; an
    /// ipi or traffic naming a purpose must have a request-sgi for it somewhere in the scenario.
    /// </summary>
    private static void ResolvePurposes(List<ScenarioAction> actions, List<HoconNode> nodes, KernelProfile? kernel)
    {
        var purposes = new List<string>();
        var nmiOf = new Dictionary<string, bool>();
        foreach (var (action, node) in actions.Zip(nodes))
        {
            if (action.Do != ActionVerb.RequestSgi) continue;
            if (nmiOf.TryGetValue(action.Purpose!, out bool nmi))
            {
                if (nmi != action.Nmi)
                    throw node["nmi"].Fail($"{action.Purpose} is requested elsewhere with nmi = {(nmi ? "true" : "false")}: a purpose is an NMI or not");
                continue;
            }
            if (purposes.Count == MaxPurposes) throw node["purpose"].Fail($"at most {MaxPurposes} purposes may ask for SGIs");
            purposes.Add(action.Purpose!);
            nmiOf[action.Purpose!] = action.Nmi;
        }
        for (int i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            string? purpose = action.Do is ActionVerb.RequestSgi or ActionVerb.ReleaseSgi ? action.Purpose : action.Owner == PurposeMarker ? action.Ipi : null;
            if (purpose is null) continue;
            int k = purposes.IndexOf(purpose);
            if (k < 0)
                throw nodes[i][action.Do == ActionVerb.ReleaseSgi ? "purpose" : "ipi"].Fail(action.Do == ActionVerb.ReleaseSgi
                    ? $"no request-sgi asks for a slot for {purpose}, so there is nothing to release"
                    : $"{kernel!.Name} has no IPI {purpose} (it has: {string.Join(", ", kernel.Ipis.Select(x => x.Name))}), and no request-sgi asks for a slot for it");
            actions[i] = action with { Owner = Owners.BootSlots + k };
        }
    }

    /// <summary>Owner of an ipi action that names a purpose, until <see cref="ResolvePurposes"/> gives it its index.</summary>
    private const int PurposeMarker = -2;

    private static ScenarioAction LoadAction(HoconNode a, int cpus, long end, string profile, KernelProfile? kernel, GicOptions gic)
    {
        if (!a.IsObject) throw a.Fail("expected an action { at = ..., cpu = ..., do = ... }");
        a.RejectUnknownKeys(ActionKeys);
        string verb = a["do"].String();
        long at = Duration.ParseNs(a["at"].String(), a["at"].Path);
        if (at > end) throw a["at"].Fail($"{at}ns is after the scenario's end ({end}ns)");
        int cpu = Cpu(a["cpu"], cpus);
        var action = new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Sgi };
        switch (verb)
        {
            case "sgi":
                bool irm = a["irm"].Bool(false);
                if (irm && a["to"].Exists) throw a["to"].Fail("irm = on sends to every CPU but the writer: give no to");
                if (!irm && !a["to"].Exists) throw a["to"].Fail("missing: the target CPUs (self, all, all-but-self or a list), or irm = on");
                Only(a, "at", "cpu", "do", "intid", "to", "irm");
                return action with { Intid = Sgi(a["intid"]), Irm = irm, To = irm ? null : Targets(a["to"], cpus) };
            case "irq-off":
                Only(a, "at", "cpu", "do", "for");
                return action with { Do = ActionVerb.IrqOff, For = a["for"].Exists ? Positive(a["for"]) : 0 };
            case "irq-on": Only(a, "at", "cpu", "do"); return action with { Do = ActionVerb.IrqOn };
            case "hang": Only(a, "at", "cpu", "do"); return action with { Do = ActionVerb.Hang };
            case "idle": Only(a, "at", "cpu", "do"); return action with { Do = ActionVerb.Idle };
            case "enable":
            case "disable":
                Only(a, "at", "cpu", "do", "intid");
                return action with { Do = verb == "enable" ? ActionVerb.Enable : ActionVerb.Disable, Intid = Private(a["intid"]) };
            case "set-priority":
                Only(a, "at", "cpu", "do", "intid", "priority");
                return action with { Do = ActionVerb.SetPriority, Intid = Private(a["intid"]), Priority = a["priority"].Int(0, 255) };
            case "ipi":
                Only(a, "at", "cpu", "do", "ipi", "to");
                var to = Targets(a["to"], cpus);
                if (PurposeName(a["ipi"], kernel) is { } sentPurpose)
                    return action with { Do = ActionVerb.Ipi, Ipi = sentPurpose, Owner = PurposeMarker, To = to };
                var ipi = Ipi(a["ipi"], kernel, profile);
                if (ipi.Name == "IRQ_WORK" && to.Kind != TargetSetKind.Self)
                    throw a["to"].Fail("IRQ_WORK is a self IPI (arch_irq_work_raise): to = self");
                return action with { Do = ActionVerb.Ipi, Intid = ipi.Sgi, Ipi = ipi.Name, Owner = ipi.Sgi, To = to };
            case "request-sgi":
            case "release-sgi":
                if (verb == "request-sgi") Only(a, "at", "cpu", "do", "purpose", "nmi");
                else Only(a, "at", "cpu", "do", "purpose");
                if (kernel is null) throw a["do"].Fail($"{verb} asks the SGI reclaimer, which owns Linux's SGI table: it needs a Linux kernel profile, not {profile}");
                string purpose = a["purpose"].String().Trim();
                if (purpose.Length == 0) throw a["purpose"].Fail("a purpose needs a name");
                if (kernel.Has(purpose)) throw a["purpose"].Fail($"{purpose} is an IPI of {kernel.Name}: it already has its SGI; name the new purpose");
                bool nmiSlot = a["nmi"].Bool(false);
                if (nmiSlot && gic.Nmi == NmiMode.None) throw a["nmi"].Fail("gic.nmi = none: no SGI can be an NMI (request_percpu_nmi fails)");
                return action with { Do = verb == "request-sgi" ? ActionVerb.RequestSgi : ActionVerb.ReleaseSgi, Purpose = purpose, Nmi = nmiSlot };
            case "stop":
            case "crash-stop":
            case "restart":
            case "kgdb-roundup":
                Only(a, "at", "cpu", "do");
                if (kernel is null) throw a["do"].Fail($"{verb} is a Linux flow: it needs a Linux kernel profile, not {profile}");
                return action with
                {
                    Do = verb switch
                    {
                        "stop" => ActionVerb.Stop,
                        "crash-stop" => ActionVerb.CrashStop,
                        "restart" => ActionVerb.Restart,
                        _ => ActionVerb.KgdbRoundup,
                    },
                };
            case "nmi":
                Only(a, "at", "cpu", "do", "user", "to");
                if (kernel is null) throw a["do"].Fail($"nmi needs the NMI broker, which needs a Linux kernel profile, not {profile}");
                return action with { Do = ActionVerb.Nmi, User = a["user"].String(), To = Targets(a["to"], cpus) };
            case "backtrace":
                Only(a, "at", "cpu", "do", "to");
                if (kernel is null) throw a["do"].Fail($"backtrace is a Linux flow: it needs a Linux kernel profile, not {profile}");
                return action with { Do = ActionVerb.Backtrace, To = a["to"].Exists ? Targets(a["to"], cpus) : TargetSet.AllButSelf };
            case "traffic":
                Only(a, "at", "cpu", "do", "intid", "ipi", "user", "rate", "cpus", "until", "to");
                if (new[] { "ipi", "intid", "user" }.Count(k => a[k].Exists) != 1)
                    throw a["do"].Fail("traffic takes one of ipi, intid or user (an NMI broker user)");
                if (a["user"].Exists && kernel is null) throw a["user"].Fail($"NMI broker users need a Linux kernel profile, not {profile}");
                if (a["ipi"].Exists && kernel is null) throw a["ipi"].Fail($"profile {profile} has no IPIs: give intid");
                string? trafficPurpose = a["ipi"].Exists ? PurposeName(a["ipi"], kernel) : null;
                var trafficIpi = a["ipi"].Exists && trafficPurpose is null ? Ipi(a["ipi"], kernel, profile) : null;
                // Read once, where it is first needed (the errors keep their order).
                var toNode = a["to"];
                TargetSet? parsedTo = null;
                TargetSet TrafficTo() => parsedTo ??= Targets(toNode, cpus);
                // arch_irq_work_raise: a CPU raises IRQ work on itself only.
                if (trafficIpi?.Name == "IRQ_WORK" && (!a["to"].Exists || TrafficTo().Kind != TargetSetKind.Self))
                    throw a["ipi"].Fail("IRQ_WORK is a self IPI: its traffic needs to = self");
                double rate = Rate(a["rate"]);
                long until = Duration.ParseNs(a["until"].String(), a["until"].Path);
                if (until < at) throw a["until"].Fail($"{until}ns is before at ({at}ns)");
                var set = a["cpus"].Exists ? Targets(a["cpus"], cpus) : TargetSet.All;
                if (cpus < 2 && !a["to"].Exists) throw a.Fail("traffic to another CPU needs at least 2 CPUs");
                if (a["to"].Exists)
                {
                    var trafficTo = TrafficTo();
                    foreach (int sender in set.Resolve(cpu, cpus))
                        if (trafficTo.Resolve(sender, cpus).Length == 0)
                            throw a["to"].Fail($"resolves to no CPU for sender CPU {sender}");
                }
                return action with
                {
                    Do = ActionVerb.Traffic,
                    Intid = a["user"].Exists || trafficPurpose is not null ? 0 : trafficIpi?.Sgi ?? Sgi(a["intid"]),
                    Ipi = trafficIpi?.Name ?? trafficPurpose,
                    Owner = trafficPurpose is not null ? PurposeMarker : trafficIpi?.Sgi ?? -1,
                    User = a["user"].Exists ? a["user"].String() : null,
                    Rate = rate,
                    Until = until,
                    Cpus = set,
                    To = a["to"].Exists ? TrafficTo() : null,
                };
            default:
                throw a["do"].Fail($"unknown verb \"{verb}\" (known: sgi, ipi, irq-off, irq-on, hang, idle, enable, disable, set-priority, traffic, stop, crash-stop, restart, backtrace, kgdb-roundup, nmi, request-sgi, release-sgi, replay)");
        }
    }

    /// <summary>IPIs whose era-specific flows (queues, stop passes, NMI handlers) are not modelled yet.</summary>
    private static readonly Dictionary<string, string> FlowVerbs = new()
    {
        ["CPU_STOP"] = "do = stop (smp_send_stop)",
        ["CPU_STOP_NMI"] = "do = stop (smp_send_stop)",
        ["CPU_CRASH_STOP"] = "do = crash-stop",
        ["CPU_BACKTRACE"] = "do = backtrace",
        ["KGDB_ROUNDUP"] = "do = kgdb-roundup",
    };

    /// <summary>The name an ipi or traffic action gives, when it is not one of the profile's IPIs (then it must be a purpose).</summary>
    private static string? PurposeName(HoconNode node, KernelProfile? kernel)
    {
        if (kernel is null) return null;
        string name = node.String().Trim();
        string bare = name.StartsWith("IPI_", StringComparison.Ordinal) ? name[4..] : name;
        return kernel.Has(bare) ? null : name;
    }

    private static IpiDefinition Ipi(HoconNode node, KernelProfile? kernel, string profile)
    {
        if (kernel is null) throw node.Fail($"profile {profile} has no IPIs: use do = sgi, or a Linux profile");
        string name = node.String().Trim();
        if (name.StartsWith("IPI_", StringComparison.Ordinal)) name = name[4..];
        if (!kernel.Has(name))
            throw node.Fail($"{profile} has no IPI {name} (it has: {string.Join(", ", kernel.Ipis.Select(i => i.Name))})");
        if (FlowVerbs.TryGetValue(name, out var flow))
            throw node.Fail($"{name} is sent by its kernel flow: use {flow}");
        return kernel[name];
    }

    private static void Only(HoconNode action, params string[] allowed)
    {
        foreach (var key in action.Keys)
            if (Array.IndexOf(allowed, key) < 0)
                throw action[key].Fail($"not used by do = {action["do"].String()} (it takes: {string.Join(", ", allowed)})");
    }

    private static int Cpu(HoconNode node, int cpus)
    {
        long cpu = node.Long();
        if (cpu < 0 || cpu >= cpus) throw node.Fail($"CPU {cpu} does not exist (cpus = {cpus})");
        return (int)cpu;
    }

    private static int Sgi(HoconNode node)
    {
        long intid = node.Long();
        if (!Intid.IsSgi((int)Math.Clamp(intid, -1, 1024))) throw node.Fail($"INTID {intid} is not an SGI (0-15)");
        return (int)intid;
    }

    private static int Private(HoconNode node)
    {
        long intid = node.Long();
        if (intid < 0 || intid >= Intid.PrivateCount) throw node.Fail($"INTID {intid} is not an SGI or PPI (0-31)");
        return (int)intid;
    }

    private static long Positive(HoconNode node)
    {
        long ns = Duration.ParseNs(node.String(), node.Path);
        if (ns < 1) throw node.Fail("must be at least 1ns");
        return ns;
    }

    private static double Rate(HoconNode node)
    {
        var text = node.String();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || !(rate >= 1) || rate > 1e12)
            throw node.Fail($"\"{text}\" is not a rate from 1 to 1e12 requests per virtual second");
        return rate;
    }

    private static TargetSet Targets(HoconNode node, int cpus)
    {
        if (node.IsArray)
        {
            var list = new List<int>();
            foreach (var e in node.Elements()) list.Add(Cpu(e, cpus));
            if (list.Count == 0) throw node.Fail("empty CPU list");
            return TargetSet.List(list);
        }
        return node.String() switch
        {
            "self" => TargetSet.Self,
            "all" => TargetSet.All,
            "all-but-self" => TargetSet.AllButSelf,
            var other => TargetSet.List(CpuList.Parse(other, cpus, node.Path)),
        };
    }
}
