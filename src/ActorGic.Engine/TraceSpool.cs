namespace ActorGic.Engine;

/// <summary>
/// Where a run's trace events go when they are to be written out (<c>--trace</c>): an external
/// merge sort, so a long run's trace is never held in memory. Events arrive in each component's
/// own order, from any thread; every <see cref="ChunkEvents"/> of them are sorted into the
/// contract's canonical order (t, cpu, component, seq) and spilled to a file of fixed 41-byte
/// records in a private temporary directory. <see cref="Sorted"/> then merges the files and the
/// last, in-memory chunk. Memory stays at one chunk (262,144 events, about 12 MB) plus a 64 KB read buffer per file;
/// the directory is deleted on <see cref="Dispose"/>.
/// </summary>
public sealed class TraceSpool : IDisposable
{
    public const int DefaultChunkEvents = 1 << 18;
    private const int RecordBytes = 8 + 4 + 4 + 8 + 1 + 4 + 8 + 4;
    private readonly object _lock = new();
    private TraceEvent[] _buffer;
    private readonly List<string> _chunks = new();
    private readonly string _directory;
    private int _count;

    public TraceSpool(int chunkEvents = DefaultChunkEvents)
    {
        ChunkEvents = chunkEvents;
        _buffer = new TraceEvent[Math.Min(4096, chunkEvents)];
        _directory = Directory.CreateTempSubdirectory("actorgic-trace-").FullName;
    }

    public int ChunkEvents { get; }
    /// <summary>How many chunks went to disk (a test checks a long trace really spills).</summary>
    public int Spilled => _chunks.Count;

    public void Add(in TraceEvent e)
    {
        lock (_lock)
        {
            _buffer[_count++] = e;
            if (_count < _buffer.Length) return;
            if (_buffer.Length < ChunkEvents) Array.Resize(ref _buffer, Math.Min(ChunkEvents, _buffer.Length * 2));
            else Spill();
        }
    }

    private void Spill()
    {
        Array.Sort(_buffer, 0, _count, TraceEvent.Canonical);
        string file = Path.Combine(_directory, $"chunk-{_chunks.Count:D6}.bin");
        using (var w = new BinaryWriter(new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16)))
            for (int i = 0; i < _count; i++)
            {
                ref readonly var e = ref _buffer[i];
                w.Write(e.T); w.Write(e.Cpu); w.Write(e.Component); w.Write(e.Seq); w.Write((byte)e.Kind);
                w.Write(e.Intid); w.Write(e.Value); w.Write(e.Extra);
            }
        _chunks.Add(file);
        _count = 0;
    }

    /// <summary>Every event, in canonical order (once the run is over: nothing may be added while this is read).</summary>
    public IEnumerable<TraceEvent> Sorted()
    {
        Array.Sort(_buffer, 0, _count, TraceEvent.Canonical);
        var readers = _chunks.Select(f => new BinaryReader(new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))).ToList();
        try
        {
            var heads = new PriorityQueue<int, TraceEvent>(TraceEvent.Canonical);
            var current = new TraceEvent[readers.Count + 1];
            int memory = 0;
            bool Next(int source)
            {
                if (source == readers.Count)
                {
                    if (memory == _count) return false;
                    current[source] = _buffer[memory++];
                    return true;
                }
                var r = readers[source];
                if (r.BaseStream.Position + RecordBytes > r.BaseStream.Length) return false;
                current[source] = new TraceEvent(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), (TraceKind)r.ReadByte(),
                    r.ReadInt32(), r.ReadInt64(), r.ReadInt32());
                return true;
            }
            for (int s = 0; s <= readers.Count; s++)
                if (Next(s)) heads.Enqueue(s, current[s]);
            while (heads.TryDequeue(out int source, out var e))
            {
                yield return e;
                if (Next(source)) heads.Enqueue(source, current[source]);
            }
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // already gone
        }
    }
}
