using System.Diagnostics;

namespace ActorGic.Actors;

/// <summary>
/// How far a run got: the start of its latest window, and when (wall clock) it opened (the time
/// keeper's, or in a cluster node 0's keeper's); and where the wall time of a clustered run went:
/// node 0's keeper records each window (<see cref="Window"/>, <see cref="NodeBusy"/>), the root
/// keeper what each node sent the others (<see cref="Crossed"/>, from each node's account at the
/// end). Read those after the run, once its ask completed.
/// </summary>
public sealed class WindowClock
{
    private long _start, _wallTicks = Environment.TickCount64;
    private long _remote, _largest;
    private long _windowTicks, _criticalTicks, _closed;
    private long[] _busy = [];
    private long[,] _messages = new long[0, 0], _events = new long[0, 0];

    public long Start => Volatile.Read(ref _start);
    public long WallTicks => Volatile.Read(ref _wallTicks);

    /// <summary>Batches between nodes' keepers (each part counted; the root's start and the nodes' accounts aside).</summary>
    public long RemoteMessages => Volatile.Read(ref _remote);

    /// <summary>The most events one batch between two nodes carried (all its parts).</summary>
    public long LargestBatch => Volatile.Read(ref _largest);

    public void Opened(long start)
    {
        Volatile.Write(ref _start, start);
        Volatile.Write(ref _wallTicks, Environment.TickCount64);
    }

    /// <summary>The nodes of the run (the root keeper's, before it starts them): sizes the per-node and per-pair figures.</summary>
    public void Nodes(int nodes)
    {
        _busy = new long[nodes];
        _messages = new long[nodes, nodes];
        _events = new long[nodes, nodes];
    }

    public int NodeCount => _busy.Length;

    /// <summary>
    /// A cluster window closed: <paramref name="wallTicks"/> (Stopwatch ticks) from its opening to
    /// its last answer, of which <paramref name="criticalTicks"/> the slowest node spent running
    /// its components.
    /// </summary>
    public void Window(long wallTicks, long criticalTicks)
    {
        _windowTicks += wallTicks;
        _criticalTicks += criticalTicks;
        _closed++;
    }

    /// <summary>Node <paramref name="node"/> ran its components for <paramref name="ticks"/> in a window.</summary>
    public void NodeBusy(int node, long ticks)
    {
        if ((uint)node < (uint)_busy.Length) _busy[node] += ticks;
    }

    /// <summary>
    /// A batch, or parts of one, went from node <paramref name="from"/> to node <paramref name="to"/>:
    /// <paramref name="messages"/> messages with <paramref name="events"/> events, of a batch that has
    /// <paramref name="batchEvents"/> events so far (all its parts). A node's batch to itself (the
    /// same node) never crosses: it is not counted.
    /// </summary>
    public void Crossed(int from, int to, int messages, int events, int batchEvents)
    {
        if (from == to || (uint)from >= (uint)_busy.Length || (uint)to >= (uint)_busy.Length) return;
        _messages[from, to] += messages;
        _events[from, to] += events;
        Interlocked.Add(ref _remote, messages);
        long seen;
        while (batchEvents > (seen = Volatile.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, batchEvents, seen) != seen)
        {
        }
    }

    /// <summary>Cluster windows closed (each one opened, run by every node it concerned, and every batch of it collected on node 0).</summary>
    public long ClosedWindows => _closed;

    /// <summary>Wall seconds inside cluster windows, from each opening to its last answer.</summary>
    public double WindowSeconds => _windowTicks / (double)Stopwatch.Frequency;

    /// <summary>Wall seconds the slowest node of each window spent running components, summed over windows: the run's critical path of work.</summary>
    public double CriticalSeconds => _criticalTicks / (double)Stopwatch.Frequency;

    /// <summary>Wall seconds node <paramref name="node"/> spent running its components.</summary>
    public double BusySeconds(int node) => _busy[node] / (double)Stopwatch.Frequency;

    public long Messages(int from, int to) => _messages[from, to];
    public long Events(int from, int to) => _events[from, to];

    /// <summary>Wall seconds of building the nodes (systems, actors) before the first window, when the engine measured it.</summary>
    public double SetupSeconds { get; set; }

    /// <summary>Wall seconds of the run itself, from asking the root keeper to run to every node's account and the components' drain, when the engine measured it.</summary>
    public double RunSeconds { get; set; }

    /// <summary>Wall seconds of collecting what the nodes hold after the last window, when the engine measured it.</summary>
    public double CollectSeconds { get; set; }
}
