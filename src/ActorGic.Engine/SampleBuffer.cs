namespace ActorGic.Engine;

/// <summary>
/// Latency samples, kept whole (the report's percentiles are exact nearest-rank over every
/// sample) in fixed chunks: growing never copies and never allocates on the large object heap.
/// </summary>
public sealed class SampleBuffer
{
    private const int ChunkSize = 4096;
    private readonly List<long[]> _chunks = new();
    private int _inLast = ChunkSize;

    public long Count { get; private set; }

    public void Add(long sample)
    {
        if (_inLast == ChunkSize)
        {
            _chunks.Add(new long[ChunkSize]);
            _inLast = 0;
        }
        _chunks[^1][_inLast++] = sample;
        Count++;
    }

    public void CopyTo(List<long> target)
    {
        for (int i = 0; i < _chunks.Count; i++)
            target.AddRange(i == _chunks.Count - 1 ? _chunks[i].AsSpan(0, _inLast) : _chunks[i]);
    }
}
