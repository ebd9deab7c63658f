namespace ActorGic.Engine;

/// <summary>
/// Latency samples, kept whole (the report's percentiles are exact nearest-rank over every
/// sample) in chunks that double from 16 to 4,096 samples: a component that saw one request
/// holds 16 slots, a busy one never copies and never allocates on the large object heap.
/// </summary>
public sealed class SampleBuffer
{
    private const int FirstChunk = 16;
    private const int MaxChunk = 4096;
    private readonly List<long[]> _chunks = new(1);
    /// <summary>The chunk being filled, held apart from the list so an add touches only it.</summary>
    private long[] _last = [];
    private int _inLast;

    public long Count { get; private set; }

    public void Add(long sample)
    {
        if (_inLast == _last.Length)
        {
            _last = new long[_chunks.Count == 0 ? FirstChunk : Math.Min(MaxChunk, _last.Length * 2)];
            _chunks.Add(_last);
            _inLast = 0;
        }
        _last[_inLast++] = sample;
        Count++;
    }

    public void CopyTo(List<long> target)
    {
        for (int i = 0; i < _chunks.Count; i++)
            target.AddRange(i == _chunks.Count - 1 ? _chunks[i].AsSpan(0, _inLast) : _chunks[i]);
    }
}
