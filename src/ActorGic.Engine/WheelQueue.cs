using System.Runtime.CompilerServices;

namespace ActorGic.Engine;

/// <summary>
/// The reference engine's queue: the same (Time, Source, Seq) order as <see cref="EventQueue"/>,
/// built for a sequential run whose time only moves forward. Events of the next
/// <see cref="Span"/> nanoseconds sit in a wheel of one-nanosecond buckets, found through a
/// bitmap; later ones wait in a heap and move to the wheel as time reaches them. A bucket holds
/// the events of one exact time, so the order within it is by (Source, Seq) alone, and an event
/// costs a bit scan and a short list walk instead of a heap's unpredictable compare chain (the
/// heap's dequeue was a third of the reference engine's time in a 64-CPU storm).
/// </summary>
public sealed class WheelQueue
{
    /// <summary>The wheel's reach in ns: events at most this far ahead skip the heap.</summary>
    public const int Span = WheelBits.Span;
    private const int Mask = WheelBits.Mask;

    private readonly int[] _head = new int[Span];
    private readonly WheelBits _bits = new();
    private readonly EventQueue _later = new(64);
    private SimEvent[] _slab;
    private int[] _next;
    private int[] _free;
    private int _freeCount;
    private int _used;
    private int _inWheel;
    private int _lent = -1;
    /// <summary>No event in the wheel is earlier; every one is earlier than _base + Span.</summary>
    private long _base;
    private bool _started;
    /// <summary>The time whose bucket is in (Source, Seq) order (-1: none).</summary>
    private long _sortedTime = -1;
    private int[] _sortSlots = new int[16];
    private long[] _sortKeys = new long[16];
    /// <summary>The first non-empty bucket, once found and until the next dequeue (-1: look again).</summary>
    private int _first = -1;

    public WheelQueue(int capacity = 1024)
    {
        capacity = Math.Max(4, capacity);
        _slab = new SimEvent[capacity];
        _next = new int[capacity];
        _free = new int[capacity];
        Array.Fill(_head, -1);
    }

    public int Count => _inWheel + _later.Count;

    public long PeekTime
    {
        get
        {
            if (_inWheel == 0) return _later.PeekTime;
            if (_first < 0) _first = FirstBucket();
            return WheelBits.TimeOf(_first, _base);
        }
    }

    public void Enqueue(in SimEvent e)
    {
        if (!_started || e.Time - _base >= Span)
        {
            _later.Enqueue(e);
            return;
        }
        if (e.Time < _base) Fail.InThePast(e.Time, _base);
        Insert(e);
    }

    private void Insert(in SimEvent e)
    {
        // Slots in use are the wheel's events plus the one on loan; grow before either runs out.
        if (_freeCount == 0 && _used == _slab.Length) Grow();
        int slot = _freeCount > 0 ? _free[--_freeCount] : _used++;
        _slab[slot] = e;
        int bucket = WheelBits.BucketOf(e.Time);
        _next[slot] = _head[bucket];
        _head[bucket] = slot;
        if (e.Time == _base) _sortedTime = -1; // an arrival in the bucket being taken (a zero delay): sort it again
        _bits.Set(bucket);
        if (_first >= 0 && ((bucket - _base) & Mask) < ((_first - _base) & Mask)) _first = bucket;
        _inWheel++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        Array.Resize(ref _slab, _slab.Length * 2);
        Array.Resize(ref _next, _next.Length * 2);
        Array.Resize(ref _free, _free.Length * 2);
    }

    /// <summary>
    /// Takes the (Source, Seq) first of a bucket that holds more than one event. A short list (two
    /// or three events share a nanosecond in a 64-CPU storm) is scanned for its smallest key. A long
    /// one is sorted when its first event is taken: events of a time arrive before that time is
    /// reached (every delay is at least 1 ns), so the order holds while the bucket empties and each
    /// later dequeue takes the head.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int TakeFromCrowded(int bucket)
    {
        int head = _head[bucket];
        long time = _slab[head].Time;
        if (time != _sortedTime)
        {
            int best = head, beforeBest = -1, n = 1;
            long bestKey = _slab[head].OrderKey;
            for (int before = head, s = _next[head]; s >= 0; before = s, s = _next[s])
            {
                if (++n > ScanLimit) break;
                long key = _slab[s].OrderKey;
                if (key < bestKey) (best, beforeBest, bestKey) = (s, before, key);
            }
            if (n <= ScanLimit)
            {
                if (beforeBest < 0) _head[bucket] = _next[best];
                else _next[beforeBest] = _next[best];
                return best;
            }
            SortBucket(bucket);
            _sortedTime = time;
        }
        int first = _head[bucket];
        _head[bucket] = _next[first];
        return first;
    }

    /// <summary>Up to this many events in a nanosecond are scanned at each take rather than sorted once.</summary>
    private const int ScanLimit = 8;

    private void SortBucket(int bucket)
    {
        int n = 0;
        for (int s = _head[bucket]; s >= 0; s = _next[s]) n++;
        if (_sortSlots.Length < n) (_sortSlots, _sortKeys) = (new int[n * 2], new long[n * 2]);
        n = 0;
        for (int s = _head[bucket]; s >= 0; s = _next[s]) (_sortSlots[n], _sortKeys[n++]) = (s, _slab[s].OrderKey);
        Array.Sort(_sortKeys, _sortSlots, 0, n);
        for (int k = 0; k < n; k++) _next[_sortSlots[k]] = k + 1 < n ? _sortSlots[k + 1] : -1;
        _head[bucket] = _sortSlots[0];
    }

    private int FirstBucket() => _bits.First(_base);

    /// <summary>
    /// Removes the first event and lends it in place, without a copy. The loan lasts until the
    /// next dequeue: enqueues meanwhile never reuse its slot.
    /// </summary>
    public ref readonly SimEvent DequeueRef()
    {
        if (_lent >= 0) _free[_freeCount++] = _lent;
        _lent = -1;
        if (_inWheel == 0)
        {
            if (_later.Count == 0) throw new InvalidOperationException("queue is empty");
            _started = true;
            _base = _later.PeekTime;
            Pull();
        }
        int bucket = _first >= 0 ? _first : FirstBucket();
        _first = -1;
        int best = _head[bucket];
        if (_next[best] >= 0) best = TakeFromCrowded(bucket);
        else _head[bucket] = -1;
        if (_head[bucket] < 0) _bits.Clear(bucket);
        _inWheel--;
        _base = _slab[best].Time;
        Pull();
        _lent = best;
        return ref _slab[best];
    }

    /// <summary>Moves the heap's events that the wheel now reaches into it.</summary>
    private void Pull()
    {
        while (_later.Count > 0 && _later.PeekTime - _base < Span) Insert(_later.Dequeue());
    }

    public SimEvent Dequeue() => DequeueRef();

    /// <summary>Removes and returns everything left, in order.</summary>
    public SimEvent[] Drain()
    {
        var rest = new SimEvent[Count];
        for (int i = 0; i < rest.Length; i++) rest[i] = Dequeue();
        return rest;
    }
}
