using System.Numerics;

namespace ActorGic.Engine;

/// <summary>
/// The occupancy of a wheel of one-nanosecond buckets covering <see cref="Span"/> nanoseconds:
/// a bit per bucket, so the next occupied bucket is a few word scans away. The reference
/// engine's queue and the time keeper's agenda are both such wheels (time only moves forward
/// in each, and whatever lies further ahead waits in a heap).
/// </summary>
public readonly struct WheelBits
{
    public const int Span = 4096;
    public const int Mask = Span - 1;
    private const int Words = Span / 64;
    private readonly ulong[] _words;

    public WheelBits() => _words = new ulong[Words];

    public static int BucketOf(long time) => (int)(time & Mask);

    /// <summary>The time of <paramref name="bucket"/> in the span that starts at <paramref name="from"/>.</summary>
    public static long TimeOf(int bucket, long from) => from + ((bucket - from) & Mask);

    public void Set(int bucket) => _words[bucket >> 6] |= 1UL << bucket;

    public void Clear(int bucket) => _words[bucket >> 6] &= ~(1UL << bucket);

    /// <summary>The first occupied bucket at or after <paramref name="from"/>'s, going round the wheel once (the caller knows one is).</summary>
    public int First(long from)
    {
        var words = _words;
        int start = BucketOf(from);
        int word = start >> 6;
        ulong bits = words[word] & (~0UL << start);
        for (int n = 0; n <= Words; n++)
        {
            if (bits != 0) return (word << 6) | BitOperations.TrailingZeroCount(bits);
            word = (word + 1) & (Words - 1);
            bits = words[word];
        }
        throw new InvalidOperationException("the wheel's count and its bitmap disagree");
    }
}
