using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// Phases of a negotiation as the trace names them (the reclaim event's phase). <see cref="Boot"/>
/// is no negotiation: the NMI broker's slot taken at boot, which CPU 0 records at t = 0 (see
/// <see cref="CpuComponent.TraceBootMove"/>); the others are the reclaimer's. Append, never rename.
/// </summary>
public enum ReclaimPhase
{
    Request, Release, Survey, Ask, Refuse, Accept, Switch, Drain, DrainTimeout, Reprogram, Install, Setup, SetupTimeout,
    Grant, Fail, Released, Promote, Rollback, Boot,
}

public static class ReclaimPhaseNames
{
    private static readonly string[] Names =
        ["request", "release", "survey", "ask", "refuse", "accept", "switch", "drain", "drain-timeout", "reprogram", "install", "setup",
         "setup-timeout", "grant", "fail", "released", "promote", "rollback", "boot"];

    public static string Name(this ReclaimPhase phase) => Names[(int)phase];
}

/// <summary>One request-sgi or release-sgi as the report shows it.</summary>
public sealed record ReclaimRecord(string Op, string Purpose, int Cpu, long AtNs)
{
    public long DoneNs { get; set; } = -1;
    /// <summary>granted, released or failed (or pending when the run ended first).</summary>
    public string Outcome { get; set; } = "pending";
    public int Sgi { get; set; } = -1;
    public string? Victim { get; set; }
    public string? VictimMode { get; set; }
    public string? Reason { get; set; }
    public List<string> Asked { get; } = new();
    public string? Promoted { get; set; }
    /// <summary>Attempts on a slot that were undone: the slot kept its owner (the report's rolled_back, the timeline's grey spans).</summary>
    public List<RolledBackAttempt> RolledBack { get; } = new();
}

/// <summary>
/// One attempt the reclaimer undid on SGI <paramref name="Sgi"/>. <paramref name="Owner"/> is the
/// victim that kept the slot, or, when there was none (a free slot, a release's promotion), the
/// owner that did not get it. From the switch of the victim's senders (or the start of the
/// request's setup, or the promotion's reprogram) to the time out of a drain or the end of a
/// setup's rollback; <paramref name="Step"/> is what did not finish: drain, setup, or stale (the
/// setup, and its rollback on some CPU: the slot is left stale and the victim stays on its new path).
/// </summary>
public sealed record RolledBackAttempt(int Sgi, string Owner, long FromNs, long ToNs, string Step);

/// <summary>
/// The SGI reclaimer (DOMAIN.md section 1, ARCHITECTURE.md section 3): owns the table of
/// Non-secure SGIs and negotiates, one request at a time, the release of a slot in use without
/// losing or misrouting an IPI. A free slot is set up and granted at once. Otherwise: survey the
/// candidates' traffic on every CPU, ask them least-used first (pinned owners are never asked,
/// an owner may refuse), switch the victim's senders to its new path (a host's flag, or the NMI
/// broker) on every CPU, wait until every SGI write made on the old path has reached its
/// redistributor, drain (no instance pending or active on any redistributor, bounded in virtual
/// time), reprogram the slot on every redistributor (through the MMIO SGI frame, or Linux's way:
/// every CPU sets up its own), install the handler and grant. A drain or setup that cannot finish
/// rolls back and tries the next victim, or fails with the reason; the table is then unchanged.
/// </summary>
public sealed class ReclaimerComponent : Component
{
    public override string Name => "sgi-reclaimer";

    private const int Free = -1, Firmware = -3;
    /// <summary>A slot a failed per-CPU setup left configured differently on different CPUs.</summary>
    public const int Stale = -4;
    private enum Step { Survey, Switch, Margin, Drain, Reprogram, Install, Setup, RollbackSetup }
    private enum TimerKind { Margin, Bound }

    private readonly Layout _layout;
    private readonly Scenario _scenario;
    private readonly TimingModel _timing;
    private readonly Owners _owners;
    private readonly NmiMuxPlan? _mux;
    private readonly Func<bool, bool, int> _slotConfig;
    private readonly int[] _slotOwner = new int[Intid.SgiCount];
    private readonly Route[] _routes;
    /// <summary>Requests waiting their turn: the record, the purpose's owner index, whether it asks for an NMI.</summary>
    private readonly Queue<(ReclaimRecord Record, int Owner, bool Nmi)> _queue = new();
    private Negotiation? _n;
    private long _epoch;

    private sealed class Negotiation(ReclaimRecord record, int owner, bool nmi)
    {
        public readonly ReclaimRecord Record = record;
        public readonly int Owner = owner;
        public readonly bool Nmi = nmi;
        public Step Step;
        public int Awaiting;
        public bool[] Done = [];
        public List<VictimCandidate> Candidates = new();
        public long[] Traffic = [];
        public int Next;
        public int Victim = -1;
        public Route VictimRoute;
        public int Slot = -1;
        /// <summary>Set while a release promotes a muxed IPI back onto the freed slot.</summary>
        public int Promoting = -1;
        public int Setup;
        /// <summary>The forward setup (before any rollback), and the CPUs that have reported running it, even late.</summary>
        public int FirstSetup = -1;
        public bool[] Applied = [];
        /// <summary>When the current attempt on <see cref="Slot"/> began (its switch, or a promotion's reprogram).</summary>
        public long AttemptFrom;
    }

    public ReclaimerComponent(Layout layout, Scenario scenario, Owners owners, BootRouting boot, NmiMuxPlan? mux,
        Func<bool, bool, int> slotConfig, TraceRecorder trace)
        : base(layout.ReclaimerId, trace)
    {
        _layout = layout;
        _scenario = scenario;
        _timing = scenario.Timing;
        _owners = owners;
        _mux = mux;
        _slotConfig = slotConfig;
        _routes = (Route[])boot.Routes.Clone();
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
            _slotOwner[sgi] = boot.Handlers[sgi] != -1 ? boot.Handlers[sgi] : sgi >= Limit ? Firmware : Free;
    }

    /// <summary>Slots Linux may hold: below ns-sgis, and Linux's budget of 8 unless firmware gives all 16.</summary>
    private int Limit => _scenario.Gic.NonSecureSgis;

    public List<ReclaimRecord> Records { get; } = new();

    /// <summary>The owner of each SGI now: an owner index, <see cref="BootRouting.BrokerHandler"/>, -1 free, -3 firmware, <see cref="Stale"/>.</summary>
    public IReadOnlyList<int> SlotOwners => _slotOwner;
    /// <summary>How each owner travels now.</summary>
    public IReadOnlyList<Route> Routes => _routes;

    protected override void Handle(in SimEvent e)
    {
        if (e.Kind != EventKind.Reclaim) throw new InvalidOperationException($"reclaimer: unexpected {e.Kind}");
        var op = (ReclaimOp)e.A;
        switch (op)
        {
            case ReclaimOp.Request:
            case ReclaimOp.Release:
                var record = new ReclaimRecord(op == ReclaimOp.Request ? "request-sgi" : "release-sgi", _owners.Name(e.B), (int)e.D, Now);
                Records.Add(record);
                _queue.Enqueue((record, e.B, e.C == 1));
                if (_n is null) StartNext();
                return;
        }
        if (_n is null) return; // a late answer to a negotiation that already ended
        var n = _n;
        switch (op)
        {
            case ReclaimOp.SurveyReply when e.D == _epoch && n.Step == Step.Survey:
                n.Traffic[e.B] += e.C;
                if (--n.Awaiting == 0) Surveyed();
                break;
            case ReclaimOp.Fence when e.D == _epoch && n.Step == Step.Switch:
                if (--n.Awaiting > 0 && Faults?.Skips(SkippedStep.Fence) != true) break;
                // Every old-path write is at its distributor; give the last ones time to cross a chip and land.
                n.Step = Step.Margin;
                long margin = Faults?.Skips(SkippedStep.Margin | SkippedStep.Fence) == true ? 1 : _timing.ChipToChip + _timing.DistributorToRedistributor + 1;
                Send(Id, margin, EventKind.Reclaim, (int)ReclaimOp.Timer, (int)TimerKind.Margin, 0, _epoch);
                break;
            case ReclaimOp.Timer when e.D == _epoch && e.B == (int)TimerKind.Margin && n.Step == Step.Margin:
                StartDrain();
                break;
            case ReclaimOp.DrainDone when e.D == _epoch && n.Step == Step.Drain:
                if (Arrive(n, e.B)) Program(n.Slot, ProgramOwner(n));
                break;
            case ReclaimOp.ReprogramDone when e.D == _epoch && n.Step == Step.Reprogram:
                if (Arrive(n, e.B)) Install(n.Slot, ProgramOwner(n));
                break;
            case ReclaimOp.InstallDone when e.D == _epoch && n.Step == Step.Install:
                if (Arrive(n, e.B)) Programmed();
                break;
            case ReclaimOp.SetupDone when e.C == n.FirstSetup:
                n.Applied[e.B] = true;
                if (n.Step != Step.Setup || !Arrive(n, e.B)) break;
                Install(n.Slot, ProgramOwner(n)); // every CPU has it: now switch the senders
                break;
            case ReclaimOp.SetupDone when e.C == n.Setup && n.Step == Step.RollbackSetup:
                if (!Arrive(n, e.B)) break;
                if (n.Step == Step.Setup) Install(n.Slot, ProgramOwner(n)); // every CPU has it: now switch the senders
                else RolledBack();
                break;
            case ReclaimOp.Timer when e.D == _epoch && e.B == (int)TimerKind.Bound:
                OnBound(n);
                break;
        }
    }

    private static bool Arrive(Negotiation n, int cpu)
    {
        if (n.Done[cpu]) return false;
        n.Done[cpu] = true;
        return --n.Awaiting == 0;
    }

    /// <summary>A reclaim trace event: value = phase | (stuck CPU + 1) &lt;&lt; 8, extra = owner + 1.</summary>
    private void Phase(ReclaimPhase phase, int sgi = -1, int owner = -1, int stuckCpu = -1) =>
        Trace.Emit(Now, -1, TraceKind.Reclaim, sgi, (long)phase | (long)(stuckCpu + 1) << 8, owner + 1);

    private void StartNext()
    {
        if (!_queue.TryDequeue(out var next)) return;
        var (record, owner, nmi) = next;
        var n = _n = new Negotiation(record, owner, nmi) { AttemptFrom = Now };
        if (record.Op == "release-sgi")
        {
            Phase(ReclaimPhase.Release, -1, owner);
            if (_routes[owner].Kind != RouteKind.Dedicated || !_owners.IsPurpose(owner))
            {
                Fail($"{record.Purpose} holds no SGI it was granted");
                return;
            }
            n.Slot = _routes[owner].Sgi;
            n.Victim = owner;
            n.VictimRoute = Route.None;
            Switch(owner, Route.None);
            return;
        }
        Phase(ReclaimPhase.Request, -1, owner);
        if (_routes[owner].Kind == RouteKind.Dedicated)
        {
            Fail($"{record.Purpose} already holds SGI {_routes[owner].Sgi}");
            return;
        }
        for (int sgi = 0; sgi < Limit; sgi++)
            if (_slotOwner[sgi] == Free)
            {
                n.Slot = sgi;
                Program(sgi, owner);
                return;
            }
        var stances = _scenario.Reclaim.Stances;
        n.Candidates = SgiPolicy.Candidates(_scenario.Kernel!, sgi => _slotOwner[sgi] == sgi, _mux is not null, stances, _ => 0).ToList();
        if (n.Candidates.Count == 0)
        {
            Fail($"no SGI is free and no owner may give one up: {PinnedList()} are pinned");
            return;
        }
        Survey(n.Candidates.Select(c => c.Owner));
    }

    private string PinnedList() =>
        string.Join(", ", Enumerable.Range(0, Limit).Where(s => _slotOwner[s] >= 0).Select(s => _owners.Name(_slotOwner[s])))
        + (_slotOwner.Contains(BootRouting.BrokerHandler) ? " and the NMI broker" : "");

    private void Survey(IEnumerable<int> owners)
    {
        var n = _n!;
        long mask = 0;
        foreach (int o in owners) mask |= 1L << o;
        n.Step = Step.Survey;
        n.Traffic = new long[_owners.Count];
        n.Awaiting = _layout.Cpus * System.Numerics.BitOperations.PopCount((ulong)mask);
        _epoch++;
        Phase(ReclaimPhase.Survey);
        ToEveryCpu(ReclaimOp.Survey, 0, mask);
    }

    private void Surveyed()
    {
        var n = _n!;
        if (n.Record.Op == "release-sgi")
        {
            // Promote the hottest muxed or merged IPI, if it is sent at all.
            var hottest = n.Candidates.Select(c => c with { Traffic = n.Traffic[c.Owner] })
                .OrderByDescending(c => c.Traffic).ThenBy(c => c.Owner).First();
            if (hottest.Traffic == 0)
            {
                Finish();
                return;
            }
            n.Promoting = hottest.Owner;
            n.AttemptFrom = Now;
            Program(n.Slot, hottest.Owner);
            return;
        }
        n.Candidates = SgiPolicy.Order(n.Candidates.Select(c => c with { Traffic = n.Traffic[c.Owner] })).ToList();
        TryNext();
    }

    /// <summary>Asks the next candidate; the first that accepts becomes the victim.</summary>
    private void TryNext()
    {
        var n = _n!;
        var stances = _scenario.Reclaim.Stances;
        while (n.Next < n.Candidates.Count)
        {
            var c = n.Candidates[n.Next++];
            Phase(ReclaimPhase.Ask, c.Owner, c.Owner);
            if (!SgiPolicy.Accepts(c.Name, stances))
            {
                Phase(ReclaimPhase.Refuse, c.Owner, c.Owner);
                n.Record.Asked.Add($"{c.Name} (SGI {c.Owner}, {c.Traffic} sent): refused");
                continue;
            }
            Phase(ReclaimPhase.Accept, c.Owner, c.Owner);
            n.Record.Asked.Add($"{c.Name} (SGI {c.Owner}, {c.Traffic} sent): accepted, {SgiPolicy.ModeOf(c.Class)}");
            n.Victim = c.Owner;
            n.Slot = c.Owner;
            n.VictimRoute = c.Class == ReclaimClass.NmiMux
                ? new Route(RouteKind.Nmi, _mux!.Sgi, _mux.Broker[NmiBroker.UserFor(c.Name)!].Bit)
                : new Route(RouteKind.Flag, _scenario.Kernel![SgiPolicy.HostOf(c.Name)!].Sgi, c.Owner);
            n.Record.VictimMode = SgiPolicy.ModeOf(c.Class);
            Switch(c.Owner, n.VictimRoute);
            return;
        }
        var asked = n.Candidates.Select(c => c.Owner).ToHashSet();
        var never = Enumerable.Range(0, Limit).Where(s => _slotOwner[s] >= 0 && !asked.Contains(_slotOwner[s])).Select(s => _owners.Name(_slotOwner[s]));
        Fail($"no owner gave its SGI up: {string.Join("; ", n.Record.Asked)}; not asked (pinned, or no path to move to): {string.Join(", ", never)}");
    }

    private void Switch(int owner, Route route)
    {
        var n = _n!;
        n.Step = Step.Switch;
        n.Awaiting = _layout.Cpus;
        n.AttemptFrom = Now;
        _epoch++;
        Phase(ReclaimPhase.Switch, n.Slot, owner);
        ToEveryCpu(ReclaimOp.Switch, owner, route.Encode());
    }

    private void StartDrain()
    {
        var n = _n!;
        n.Step = Step.Drain;
        Expect(n);
        Phase(ReclaimPhase.Drain, n.Slot, n.Victim);
        if (Faults?.Skips(SkippedStep.Drain) == true)
        {
            Program(n.Slot, ProgramOwner(n)); // as if every redistributor had answered at once
            return;
        }
        ToEveryRedistributor(ReclaimOp.DrainWatch, n.Slot, 0, _timing.ReclaimIssue);
        Send(Id, _scenario.Reclaim.DrainBound, EventKind.Reclaim, (int)ReclaimOp.Timer, (int)TimerKind.Bound, 0, _epoch);
    }

    private void Expect(Negotiation n)
    {
        _epoch++;
        n.Awaiting = _layout.Cpus;
        n.Done = new bool[_layout.Cpus];
    }

    /// <summary>Who the slot is programmed for: the requester, a promoted IPI, or nobody (a release).</summary>
    private static int ProgramOwner(Negotiation n) =>
        n.Promoting >= 0 ? n.Promoting : n.Record.Op == "release-sgi" ? -1 : n.Owner;

    private bool NmiOf(int owner) => owner == _n!.Owner && _n.Record.Op == "request-sgi" ? _n.Nmi : owner >= 0 && _owners.Nmi(owner);

    private void Program(int slot, int owner)
    {
        var n = _n!;
        int config = _slotConfig(NmiOf(owner), owner >= 0);
        if (_scenario.Reclaim.Reprogram == ReprogramWay.PerCpu)
        {
            StartSetup(n, Step.Setup, slot, owner, NmiOf(owner));
            return;
        }
        n.Step = Step.Reprogram;
        Expect(n);
        Phase(ReclaimPhase.Reprogram, slot, owner);
        // One CPU writes every redistributor's SGI frame, register after register: this is what grows with the CPU count.
        ToEveryRedistributor(ReclaimOp.Reprogram, slot, config, TimingModel.SlotRegisterWrites * _timing.MmioWrite);
    }

    /// <summary>Linux's way: the requesting CPU has every CPU set the slot up itself (smp_call_function), bounded in time.</summary>
    private void StartSetup(Negotiation n, Step step, int slot, int owner, bool nmi)
    {
        n.Step = step;
        Expect(n);
        n.Setup = SlotSetup.Pack(slot, owner, nmi, owner >= 0, _epoch);
        if (step == Step.Setup)
        {
            n.FirstSetup = n.Setup;
            n.Applied = new bool[_layout.Cpus];
        }
        Phase(step == Step.Setup ? ReclaimPhase.Setup : ReclaimPhase.Rollback, slot, owner);
        // The rollback's epoch is the setup's + 1 (SlotSetup.UndoneBy): a CPU undoes only the setup it applied.
        Send(_layout.CpuId(n.Record.Cpu), _timing.RemoteAtomic, EventKind.Reclaim, (int)ReclaimOp.Setup, step == Step.Setup ? 0 : 1, n.Setup, _epoch);
        Send(Id, _scenario.Reclaim.DrainBound, EventKind.Reclaim, (int)ReclaimOp.Timer, (int)TimerKind.Bound, 0, _epoch);
    }

    private void Install(int slot, int owner)
    {
        var n = _n!;
        n.Step = Step.Install;
        Expect(n);
        Phase(ReclaimPhase.Install, slot, owner);
        ToEveryCpu(ReclaimOp.Install, slot, owner + 1);
    }

    private void OnBound(Negotiation n)
    {
        var stuck = Enumerable.Range(0, _layout.Cpus).Where(c => !n.Done[c]).ToList();
        string cpus = Describe(stuck);
        long bound = _scenario.Reclaim.DrainBound;
        switch (n.Step)
        {
            case Step.Drain:
                Phase(ReclaimPhase.DrainTimeout, n.Slot, n.Victim, stuck[0]);
                string why = $"the drain of SGI {n.Slot} did not finish within {bound}ns: {cpus} still held it pending or active";
                // The slot still belongs to the victim, programmed as before: switch its senders back.
                n.Record.RolledBack.Add(new RolledBackAttempt(n.Slot, _owners.Name(n.Victim), n.AttemptFrom, Now, "drain"));
                RollbackSwitch(n);
                if (n.Record.Op == "release-sgi")
                {
                    Fail(why);
                    return;
                }
                n.Record.Asked.Add($"{_owners.Name(n.Victim)}: {why}");
                n.Victim = -1;
                n.Record.VictimMode = null;
                TryNext();
                return;
            case Step.Setup:
                Phase(ReclaimPhase.SetupTimeout, n.Slot, ProgramOwner(n), stuck[0]);
                n.Record.Reason = $"{cpus} did not run {(stuck.Count == 1 ? "its" : "their")} own setup of SGI {n.Slot} within {bound}ns (a CPU that is hung or parked cannot; reclaim.reprogram = mmio writes its redistributor's frame instead)";
                // Put back what the CPUs that ran it changed. The requester cancels the setup before it queues
                // the undo, so a CPU that was only slow skips the setup when it reaches it, and the undo behind
                // it changes nothing there: it never sets the slot up under the victim's SGI, which may be
                // pending again by then. The rollback waits for all.
                int back = n.Promoting >= 0 ? -1 : n.Victim;
                StartSetup(n, Step.RollbackSetup, n.Slot, back, back >= 0 && _owners.Nmi(back));
                return;
            case Step.RollbackSetup:
                // A CPU that never ran the setup will skip it, cancelled, whenever it runs its queue: the
                // rollback is complete without it.
                var half = stuck.Where(c => n.Applied[c]).ToList();
                if (half.Count == 0)
                {
                    RolledBack();
                    return;
                }
                // Some CPU ran the setup and cannot run its undo (it hung meanwhile): the slot is set up
                // differently on different CPUs. Nothing may be sent on it again, so nobody is switched
                // back onto it and it is never granted again.
                n.Record.Reason += $"; the rollback did not reach {Describe(half)}, so SGI {n.Slot} is left stale (set up differently on some CPUs) and is never granted again";
                n.Record.RolledBack.Add(new RolledBackAttempt(n.Slot, _owners.Name(n.Promoting >= 0 ? n.Promoting : n.Victim >= 0 ? n.Victim : n.Owner), n.AttemptFrom, Now, "stale"));
                _slotOwner[n.Slot] = Stale;
                if (n.Victim >= 0) _routes[n.Victim] = n.VictimRoute;
                if (n.Promoting >= 0) n.Promoting = -1;
                Fail(n.Record.Reason);
                return;
        }
    }

    private void RollbackSwitch(Negotiation n)
    {
        _epoch++;
        Phase(ReclaimPhase.Rollback, n.Slot, n.Victim);
        var back = Route.Dedicated(n.Slot);
        ToEveryCpu(ReclaimOp.Switch, n.Victim, back.Encode());
    }

    /// <summary>One access per CPU, issued one after another (<see cref="TimingModel.ReclaimIssue"/> apart).</summary>
    private void ToEveryCpu(ReclaimOp op, int b, long c)
    {
        for (int cpu = 0; cpu < _layout.Cpus; cpu++)
            Send(_layout.CpuId(cpu), _timing.RemoteAtomic + cpu * _timing.ReclaimIssue, EventKind.Reclaim, (int)op, b, c, _epoch);
    }

    private void ToEveryRedistributor(ReclaimOp op, int b, long c, long spacing)
    {
        for (int cpu = 0; cpu < _layout.Cpus; cpu++)
            Send(_layout.RedistributorId(cpu), _timing.RemoteAtomic + cpu * spacing, EventKind.Reclaim, (int)op, b, c, _epoch);
    }

    private void RolledBack()
    {
        var n = _n!;
        n.Record.RolledBack.Add(new RolledBackAttempt(n.Slot, _owners.Name(n.Promoting >= 0 ? n.Promoting : n.Victim >= 0 ? n.Victim : n.Owner), n.AttemptFrom, Now, "setup"));
        if (n.Promoting >= 0)
        {
            n.Record.Promoted = $"{_owners.Name(n.Promoting)} not promoted: {n.Record.Reason}";
            n.Record.Reason = null;
            Finish();
            return;
        }
        if (n.Victim >= 0) RollbackSwitch(n);
        Fail(n.Record.Reason!);
    }

    private static string Describe(List<int> cpus) =>
        cpus.Count == 1 ? $"CPU {cpus[0]}" : cpus.Count <= 8 ? $"CPUs {string.Join(", ", cpus)}" : $"{cpus.Count} CPUs ({string.Join(", ", cpus.Take(8))}, ...)";

    /// <summary>Every CPU has the slot: commit the table.</summary>
    private void Programmed()
    {
        var n = _n!;
        var r = n.Record;
        if (n.Promoting >= 0)
        {
            _slotOwner[n.Slot] = n.Promoting;
            _routes[n.Promoting] = Route.Dedicated(n.Slot);
            r.Promoted = $"{_owners.Name(n.Promoting)} onto SGI {n.Slot} ({n.Traffic[n.Promoting]} sent while muxed)";
            Phase(ReclaimPhase.Promote, n.Slot, n.Promoting);
            Finish();
            return;
        }
        if (r.Op == "release-sgi")
        {
            _slotOwner[n.Slot] = Free;
            _routes[n.Owner] = Route.None;
            r.Outcome = "released";
            r.Sgi = n.Slot;
            r.DoneNs = Now;
            Phase(ReclaimPhase.Released, n.Slot, n.Owner);
            var moved = _scenario.Kernel!.Ipis.Where(i => _routes[i.Sgi].Kind is RouteKind.Flag or RouteKind.Nmi).Select(i => i.Sgi).ToList();
            if (!_scenario.Reclaim.Promote || moved.Count == 0)
            {
                Finish();
                return;
            }
            n.Candidates = moved.Select(o => new VictimCandidate(o, _owners.Name(o), SgiPolicy.ClassOf(_scenario.Kernel![_owners.Name(o)]), 0)).ToList();
            Survey(moved);
            return;
        }
        if (n.Victim >= 0)
        {
            _routes[n.Victim] = n.VictimRoute;
            r.Victim = _owners.Name(n.Victim);
        }
        _slotOwner[n.Slot] = n.Owner;
        _routes[n.Owner] = Route.Dedicated(n.Slot);
        r.Outcome = "granted";
        r.Sgi = n.Slot;
        r.DoneNs = Now;
        Phase(ReclaimPhase.Grant, n.Slot, n.Owner);
        Finish();
    }

    private void Fail(string reason)
    {
        var n = _n!;
        n.Record.Outcome = "failed";
        n.Record.Reason = reason;
        n.Record.DoneNs = Now;
        n.Record.VictimMode = null;
        Phase(ReclaimPhase.Fail, -1, n.Owner);
        Finish();
    }

    private void Finish()
    {
        _n = null;
        StartNext();
    }
}
