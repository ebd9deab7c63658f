using System.Runtime.CompilerServices;

namespace ActorGic.Engine;

/// <summary>
/// A binary min-heap of events ordered by (Time, Source, Seq), with the comparison inlined:
/// the reference engine's hot loop and every component actor's own queue. Each component sees
/// its events in this order in both engines; ordering the whole system by it (rather than by
/// target first) keeps that true and is cheaper.
/// </summary>
public sealed class EventQueue
{
    private SimEvent[] _heap;
    private int _count;

    public EventQueue(int capacity = 64) => _heap = new SimEvent[Math.Max(4, capacity)];

    public int Count => _count;

    public long PeekTime => _count > 0 ? _heap[0].Time : long.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in SimEvent a, in SimEvent b) =>
        a.Time != b.Time ? a.Time < b.Time : a.Source != b.Source ? a.Source < b.Source : a.Seq < b.Seq;

    public void Enqueue(in SimEvent e)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(e, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = e;
    }

    public SimEvent Dequeue()
    {
        var top = _heap[0];
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
        _heap[_count] = default;
        return top;
    }

    /// <summary>Removes and returns everything left, in order.</summary>
    public SimEvent[] Drain()
    {
        var rest = new SimEvent[_count];
        for (int i = 0; i < rest.Length; i++) rest[i] = Dequeue();
        return rest;
    }
}
