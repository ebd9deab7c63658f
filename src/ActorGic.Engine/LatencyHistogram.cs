using System.Numerics;

namespace ActorGic.Engine;

/// <summary>One bucket of a <see cref="LatencyHistogram"/>: <paramref name="Count"/> samples from <paramref name="Low"/> to <paramref name="High"/> ns, both included.</summary>
public readonly record struct HistogramBucket(long Low, long High, long Count);

/// <summary>
/// A latency distribution as log-linear buckets, HdrHistogram's layout with 16 sub-buckets per
/// power of two: below 32 ns every nanosecond is a bucket of its own, above it a bucket is 1/16
/// of its power of two wide (256-271 ns, 272-287 ns, ..., 1024-1087 ns), so a sample's bucket
/// bounds it within 6.25%. Only buckets that hold samples are kept, in ascending order.
/// <para>Made from the sorted samples the report already has (one pass, integer arithmetic, no
/// package): the same samples give the same buckets on every engine and node count, so the
/// digest can cover them. HdrHistogram itself records into an array sized for its whole value
/// range and would tie the digest to its bucket rules across versions; nothing here needs more
/// than the bucket bounds.</para>
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>log2 of the sub-buckets per power of two.</summary>
    public const int SubBucketBits = 4;

    public IReadOnlyList<HistogramBucket> Buckets { get; }

    public LatencyHistogram(IReadOnlyList<HistogramBucket> buckets) => Buckets = buckets;

    public long Count => Buckets.Sum(b => b.Count);

    /// <summary>The bucket's lower bound for <paramref name="ns"/> and its width.</summary>
    public static (long Low, long Width) BucketOf(long ns)
    {
        if (ns <= 0) return (ns, 1); // latencies are at least 1 ns; a bad sample still gets a bucket of its own
        int shift = Math.Max(0, BitOperations.Log2((ulong)ns) - SubBucketBits);
        return (ns >> shift << shift, 1L << shift);
    }

    /// <summary>
    /// The bucket's place on the log-linear scale (HdrHistogram's counts index): 0-31 for the
    /// nanoseconds below 32 ns, then 16 per power of two, so an equal step is an equal ratio.
    /// </summary>
    public static int IndexOf(long ns)
    {
        if (ns < 2 << SubBucketBits) return (int)Math.Max(0, ns);
        int shift = BitOperations.Log2((ulong)ns) - SubBucketBits;
        return ((shift + 1) << SubBucketBits) + (int)(ns >> shift) - (1 << SubBucketBits);
    }

    /// <summary>The histogram of samples sorted ascending.</summary>
    public static LatencyHistogram OfSorted(long[] sorted)
    {
        var buckets = new List<HistogramBucket>();
        for (int i = 0; i < sorted.Length;)
        {
            var (low, width) = BucketOf(sorted[i]);
            long high = low + width - 1;
            int j = i;
            while (j < sorted.Length && sorted[j] <= high) j++;
            buckets.Add(new HistogramBucket(low, high, j - i));
            i = j;
        }
        return new LatencyHistogram(buckets);
    }
}
