using System.Runtime.CompilerServices;

namespace ActorGic.Engine;

/// <summary>
/// A binary min-heap of events ordered by (Time, Source, Seq): the reference engine's hot loop
/// and every component actor's own queue. Each component sees its events in this order in both
/// engines; ordering the whole system by it (rather than by target first) keeps that true.
/// The heap holds small (time, key, slot) entries and the events stay put in a slab, so a sift
/// moves 24 bytes, not a whole event.
/// </summary>
public sealed class EventQueue
{
    private struct Entry
    {
        public long Time;
        public long Key;   // SimEvent.OrderKey
        public int Slot;
    }

    private Entry[] _heap;
    private SimEvent[] _slab;
    private int[] _free;
    private int _freeCount;
    private int _used;
    private int _count;
    private int _lent = -1;

    public EventQueue(int capacity = 64)
    {
        capacity = Math.Max(4, capacity);
        _heap = new Entry[capacity];
        _slab = new SimEvent[capacity];
        _free = new int[capacity];
    }

    public int Count => _count;

    public long PeekTime => _count > 0 ? _heap[0].Time : long.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Entry a, in Entry b) => a.Time != b.Time ? a.Time < b.Time : a.Key < b.Key;

    public void Enqueue(in SimEvent e)
    {
        // Slots in use are the queued events plus the one on loan; grow before either runs out.
        if (_count == _heap.Length || (_freeCount == 0 && _used == _slab.Length))
        {
            Array.Resize(ref _heap, _heap.Length * 2);
            Array.Resize(ref _slab, _slab.Length * 2);
            Array.Resize(ref _free, _free.Length * 2);
        }
        int slot = _freeCount > 0 ? _free[--_freeCount] : _used++;
        _slab[slot] = e;
        var entry = new Entry { Time = e.Time, Key = e.OrderKey, Slot = slot };
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(entry, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    public SimEvent Dequeue() => DequeueRef();

    /// <summary>
    /// Removes the first event and lends it in place, without a copy. The loan lasts until the
    /// next dequeue: enqueues meanwhile never reuse its slot (a resize leaves the old slab intact).
    /// </summary>
    public ref readonly SimEvent DequeueRef()
    {
        if (_lent >= 0) _free[_freeCount++] = _lent;
        int slot = _heap[0].Slot;
        var last = _heap[--_count];
        int i = 0;
        int half = _count >> 1;
        while (i < half)
        {
            int child = 2 * i + 1;
            if (child + 1 < _count && Less(_heap[child + 1], _heap[child])) child++;
            if (!Less(_heap[child], last)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_count > 0) _heap[i] = last;
        _lent = slot;
        return ref _slab[slot];
    }

    /// <summary>Removes and returns everything left, in order.</summary>
    public SimEvent[] Drain()
    {
        var rest = new SimEvent[_count];
        for (int i = 0; i < rest.Length; i++) rest[i] = Dequeue();
        return rest;
    }
}
