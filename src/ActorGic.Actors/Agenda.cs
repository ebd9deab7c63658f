using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The time keeper's agenda: which component has something to do when. Entries may go stale
/// (the keeper checks each against what the component really holds). Time only moves forward,
/// so the next <see cref="Span"/> nanoseconds sit in a wheel of one-nanosecond buckets found
/// through a bitmap and later entries wait in a heap: a round's candidates come out without a
/// heap's compare chain per entry.
/// </summary>
internal sealed class Agenda
{
    private const int Span = WheelBits.Span;

    private readonly int[] _head = new int[Span];
    private readonly WheelBits _bits = new();
    private readonly PriorityQueue<int, long> _later = new();
    private int[] _component = new int[256];
    private int[] _next = new int[256];
    private int _free = -1;
    private int _used;
    private int _inWheel;
    private long _base;

    public Agenda() => Array.Fill(_head, -1);

    /// <summary>Notes that <paramref name="component"/> may have something at <paramref name="time"/> (never before the last popped time).</summary>
    public void Add(int component, long time)
    {
        if (time < _base) Fail.AgendaInThePast(time, _base);
        if (time - _base >= Span)
        {
            _later.Enqueue(component, time);
            return;
        }
        Insert(component, time);
    }

    private void Insert(int component, long time)
    {
        int node;
        if (_free >= 0) (node, _free) = (_free, _next[_free]);
        else
        {
            if (_used == _component.Length)
            {
                Array.Resize(ref _component, _used * 2);
                Array.Resize(ref _next, _used * 2);
            }
            node = _used++;
        }
        int bucket = WheelBits.BucketOf(time);
        (_component[node], _next[node]) = (component, _head[bucket]);
        _head[bucket] = node;
        _bits.Set(bucket);
        _inWheel++;
    }

    /// <summary>The earliest entry's time, stale or not (long.MaxValue when empty).</summary>
    public long PeekTime()
    {
        if (_inWheel > 0) return WheelBits.TimeOf(FirstBucket(), _base);
        return _later.TryPeek(out _, out long first) ? first : long.MaxValue;
    }

    /// <summary>
    /// If the earliest entry is before <paramref name="cap"/>, moves the wheel to it and removes
    /// that time's entries into <paramref name="into"/>: a round's time. Entries before it are
    /// refused from then on, and every entry less than a span ahead is in the wheel. Returns
    /// long.MaxValue (and changes nothing) when there is none before the cap.
    /// </summary>
    public long PopFirst(long cap, List<int> into)
    {
        long first;
        if (_inWheel == 0)
        {
            if (!_later.TryPeek(out _, out first)) return long.MaxValue;
        }
        else first = WheelBits.TimeOf(FirstBucket(), _base);
        if (first >= cap) return long.MaxValue;
        _base = first;
        Pull();
        TakeBucket(WheelBits.BucketOf(_base), into);
        return _base;
    }

    private void TakeBucket(int bucket, List<int> into)
    {
        for (int node = _head[bucket]; node >= 0;)
        {
            into.Add(_component[node]);
            int next = _next[node];
            _next[node] = _free;
            _free = node;
            node = next;
            _inWheel--;
        }
        _head[bucket] = -1;
        _bits.Clear(bucket);
    }

    /// <summary>
    /// Removes every entry before <paramref name="limit"/> into <paramref name="into"/> (a
    /// component may come more than once). A limit past the wheel's span (a horizon from a link
    /// slower than the span, e.g. a 1 ms chip-to-chip latency) also takes the heap's entries
    /// before it: they are all later than the wheel's.
    /// </summary>
    public void PopBefore(long limit, List<int> into)
    {
        while (_inWheel > 0)
        {
            long time = WheelBits.TimeOf(FirstBucket(), _base);
            if (time >= limit) return;
            TakeBucket(WheelBits.BucketOf(time), into);
        }
        while (_later.TryPeek(out int component, out long time) && time < limit)
        {
            _later.Dequeue();
            into.Add(component);
        }
    }

    private int FirstBucket() => _bits.First(_base);

    private void Pull()
    {
        while (_later.TryPeek(out int component, out long time) && time - _base < Span)
        {
            _later.Dequeue();
            Insert(component, time);
        }
    }
}
