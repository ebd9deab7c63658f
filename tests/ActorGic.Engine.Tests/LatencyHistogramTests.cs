using ActorGic.Engine;

namespace ActorGic.Engine.Tests;

/// <summary>The report's latency histograms: HdrHistogram's log-linear layout, exact bounds, only buckets that hold samples.</summary>
public class LatencyHistogramTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(31, 31, 1)]
    [InlineData(32, 32, 2)]
    [InlineData(33, 32, 2)]
    [InlineData(150, 144, 8)]
    [InlineData(271, 256, 16)]
    [InlineData(272, 272, 16)]
    [InlineData(1087, 1024, 64)]
    [InlineData(1_500_000_000, 1_476_395_008, 67_108_864)]
    public void A_bucket_is_a_sixteenth_of_its_power_of_two_wide(long ns, long low, long width) =>
        Assert.Equal((low, width), LatencyHistogram.BucketOf(ns));

    [Theory]
    [InlineData(31, 31)]
    [InlineData(32, 32)]
    [InlineData(34, 33)]
    [InlineData(63, 47)]
    [InlineData(64, 48)]
    [InlineData(150, 66)]
    [InlineData(272, 81)]
    public void Bucket_indices_run_on_without_gaps_sixteen_per_power_of_two(long ns, int index) =>
        Assert.Equal(index, LatencyHistogram.IndexOf(ns));

    [Fact]
    public void Sorted_samples_fall_into_the_buckets_that_hold_them_and_no_other()
    {
        var histogram = LatencyHistogram.OfSorted([5, 5, 150, 151, 159, 160, 1000, 1087, 1088]);
        Assert.Equal(
            [new(5, 5, 2), new(144, 151, 2), new(152, 159, 1), new(160, 167, 1), new(992, 1023, 1), new(1024, 1087, 1), new(1088, 1151, 1)],
            histogram.Buckets);
        Assert.Equal(9, histogram.Count);
        Assert.Empty(LatencyHistogram.OfSorted([]).Buckets);
    }

    [Fact]
    public void Every_latency_of_a_report_has_its_histogram_with_the_same_count()
    {
        var report = TestRuns.File("reclaim-storm-64.conf");
        Assert.Equal(report.LatencyNs.Keys.Order(), report.LatencyHistograms.Keys.Order());
        foreach (var (name, latency) in report.LatencyNs)
        {
            var buckets = report.LatencyHistograms[name].Buckets;
            Assert.Equal(latency.Count, buckets.Sum(b => b.Count));
            Assert.True(buckets[^1].Low <= latency.Max && latency.Max <= buckets[^1].High, name);
        }
    }
}
