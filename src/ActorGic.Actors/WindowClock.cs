namespace ActorGic.Actors;

/// <summary>
/// How far the root keeper got: the start of its latest window, and when (wall clock) it opened;
/// and what crossed between the root and other nodes' keepers.
/// </summary>
public sealed class WindowClock
{
    private long _start, _wallTicks = Environment.TickCount64;
    private long _remote, _largest;

    public long Start => Volatile.Read(ref _start);
    public long WallTicks => Volatile.Read(ref _wallTicks);

    /// <summary>Messages between the root and other nodes' keepers so far (windows out, answers back, each part counted).</summary>
    public long RemoteMessages => Volatile.Read(ref _remote);

    /// <summary>The most events one batch between the root and another node carried (a window's, or an answer's, all its parts).</summary>
    public long LargestBatch => Volatile.Read(ref _largest);

    /// <summary><paramref name="messages"/> more crossed; the batch they belong to has <paramref name="events"/> events so far.</summary>
    public void Carried(int messages, int events)
    {
        Interlocked.Add(ref _remote, messages);
        long seen;
        while (events > (seen = Volatile.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, events, seen) != seen)
        {
        }
    }

    public void Opened(long start)
    {
        Volatile.Write(ref _start, start);
        Volatile.Write(ref _wallTicks, Environment.TickCount64);
    }
}
