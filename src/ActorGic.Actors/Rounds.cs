using Akka.Actor;
using System.Runtime.InteropServices;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The bookkeeping of conservative rounds, shared by the single-process time keeper and each
/// node's keeper in a cluster: which components have something to do when, their inboxes, and
/// which of them may run in the next round and to what horizon (<see cref="Horizons"/>).
/// <para>
/// A round's T is the earliest event of any component it keeps. Every horizon is capped by the
/// caller: the run's end, or the cluster window's end, before which no other node can send
/// anything here. Every component with something to do has an agenda entry at exactly its next
/// time; earlier entries are stale (their event was consumed) and are dropped as they come out.
/// </para>
/// </summary>
internal sealed class Rounds
{
    /// <summary>
    /// What the keeper touches of one component, together: one 48-byte slot instead of a line in each
    /// of six arrays (at thousands of components the arrays no longer stay in cache). Measured against
    /// the six arrays in alternating runs (docs/ENGINE.md): no gain this VM's drift cannot explain.
    /// </summary>
    private struct Slot
    {
        /// <summary>The component's actor (null: another node's).</summary>
        public IActorRef? Actor;
        /// <summary>Events routed to it, waiting for its next window, and the earliest of them.</summary>
        public List<SimEvent>? Inbox;
        public long InboxMin;
        /// <summary>Where it stopped its last window: nothing may be routed to it before this.</summary>
        public long RanTo;
        /// <summary>Its window message, reused round after round (see <see cref="RunWindow"/>).</summary>
        public RunWindow? Window;
        public int Stamp;
    }

    private readonly Slot[] _slots;
    private readonly Horizons _horizons;
    /// <summary>Each component's earliest event, held or on its way (long.MaxValue: none); apart, as <see cref="Horizons"/> reads it.</summary>
    private readonly long[] _next;
    private readonly Stack<List<SimEvent>> _spare = new();
    private readonly Agenda _agenda = new();
    private readonly List<int> _popped = new();
    private readonly List<int> _deferred = new();
    private int _currentStamp;

    public Rounds(IActorRef?[] components, Horizons horizons)
    {
        _horizons = horizons;
        int count = components.Length;
        _next = new long[count];
        Array.Fill(_next, long.MaxValue);
        _slots = new Slot[count];
        for (int id = 0; id < count; id++) _slots[id] = new Slot { Actor = components[id], InboxMin = long.MaxValue };
    }

    /// <summary>The components of the round <see cref="Open"/> last opened.</summary>
    private readonly List<int> _active = new();

    /// <summary>Whether <paramref name="component"/> is one of the kept components (an id from the wire may be anything).</summary>
    public bool Keeps(int component) => (uint)component < (uint)_slots.Length && _slots[component].Actor is not null;

    /// <summary>An event for one of the kept components, in its inbox until its next window.</summary>
    public void Route(in SimEvent e)
    {
        ref var slot = ref _slots[e.Target];
        // Causality: the target has already run everything of its own before RanTo.
        if (e.Time < slot.RanTo) Fail.RoutedIntoThePast(e.Target, e.Time, slot.RanTo);
        (slot.Inbox ??= Spare()).Add(e);
        if (e.Time < slot.InboxMin)
        {
            slot.InboxMin = e.Time;
            _agenda.Add(e.Target, e.Time);
        }
        if (e.Time < _next[e.Target]) _next[e.Target] = e.Time;
    }

    /// <summary>
    /// A component finished its window: its next own event, and what it sent. Events for kept
    /// components go to their inboxes, the rest to <paramref name="elsewhere"/> (other nodes';
    /// null when every component is kept here). The list it returned becomes a spare inbox.
    /// </summary>
    public void Done(WindowDone done, List<SimEvent>? elsewhere = null)
    {
        ref var slot = ref _slots[done.Component];
        _next[done.Component] = Math.Min(done.NextLocal, slot.InboxMin);
        if (done.RanTo > slot.RanTo) slot.RanTo = done.RanTo;
        if (done.NextLocal != long.MaxValue) _agenda.Add(done.Component, done.NextLocal);
        foreach (ref readonly var e in CollectionsMarshal.AsSpan(done.Outgoing))
        {
            if (Keeps(e.Target)) Route(e);
            else
            {
                if (elsewhere is null) Fail.NoActor(e.Target);
                elsewhere.Add(e);
            }
        }
        done.Outgoing.Clear();
        _spare.Push(done.Outgoing);
    }

    private List<SimEvent> Spare() => _spare.Count > 0 ? _spare.Pop() : new List<SimEvent>(4);

    /// <summary>
    /// Opens the next round if some component has an event before <paramref name="cap"/>: picks
    /// the components that run in it and their windows (each component's inbox leaves with its
    /// window) and returns T, or long.MaxValue when nothing is left before the cap.
    /// </summary>
    public long Open(long cap)
    {
        _active.Clear();
        _popped.Clear();
        long start;
        while (true)
        {
            long time = _agenda.PopFirst(cap, _popped);
            if (time == long.MaxValue) return long.MaxValue;
            bool live = false;
            foreach (int c in CollectionsMarshal.AsSpan(_popped)) live |= _next[c] == time;
            if (live)
            {
                start = time;
                break;
            }
            _popped.Clear();
        }
        // Every horizon comes from the same snapshot of _next, before any inbox leaves.
        long reach = start + _horizons.Reach;
        _agenda.PopBefore(Math.Min(reach, cap), _popped);
        _currentStamp++;
        _deferred.Clear();
        foreach (int component in CollectionsMarshal.AsSpan(_popped))
        {
            ref var slot = ref _slots[component];
            if (slot.Stamp == _currentStamp) continue;
            slot.Stamp = _currentStamp;
            long next = _next[component];
            if (next >= reach || next >= cap) continue; // nothing this round, and its entry at next is still there
            var window = _horizons.WindowOf(component, start, _next);
            long end = Math.Min(window.End, cap);
            if (next < end)
            {
                // The inbox itself goes: the component returns it filled with what it sends.
                var incoming = slot.Inbox ?? Spare();
                slot.Inbox = null;
                slot.InboxMin = long.MaxValue;
                if (slot.Window is { } reused) reused.Reuse(start, end, incoming, window.Partner, window.Back);
                else slot.Window = new RunWindow(start, end, incoming, window.Partner, window.Back);
                _active.Add(component);
            }
            else _deferred.Add(component);
        }
        foreach (int component in CollectionsMarshal.AsSpan(_deferred)) _agenda.Add(component, _next[component]);
        return start;
    }

    /// <summary>Sends the round <see cref="Open"/> opened to its components, answering to <paramref name="keeper"/>; returns how many run.</summary>
    public int Dispatch(IActorRef keeper)
    {
        foreach (int component in CollectionsMarshal.AsSpan(_active))
        {
            ref var slot = ref _slots[component];
            var window = slot.Window!;
            window.ReplyTo ??= keeper; // set once: the same keeper answers every window of a run
            slot.Actor!.Tell(window, keeper);
        }
        return _active.Count;
    }

    /// <summary>
    /// No kept component has an event before this (long.MaxValue: none). It may be early (an
    /// entry whose event is gone): a window opened for it then finds nothing and drops the entry.
    /// </summary>
    public long NextTime() => _agenda.PeekTime();

    /// <summary>Events routed here and not yet handed to their component.</summary>
    public SimEvent[] Undelivered() => _slots.Where(s => s.Inbox is not null).SelectMany(s => s.Inbox!).ToArray();
}
