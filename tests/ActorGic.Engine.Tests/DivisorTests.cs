using ActorGic.Engine;
using CsCheck;
using Xunit;

namespace ActorGic.Engine.Tests;

/// <summary>The division-free remainder a storm draws its targets with gives exactly what % gives.</summary>
public class DivisorTests
{
    [Fact]
    public void Remainder_equals_the_division_for_every_divisor_and_value()
    {
        Gen.Select(Gen.Int[1, int.MaxValue], Gen.UInt).Sample((d, x) => new Divisor(d).Remainder(x) == x % (uint)d);
        Gen.Select(Gen.Int[1, 70_000], Gen.UInt).Sample((d, x) => new Divisor(d).Remainder(x) == x % (uint)d);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(63)]
    [InlineData(4_095)]
    [InlineData(65_535)]
    [InlineData(int.MaxValue)]
    public void Remainder_holds_at_the_edges(int d)
    {
        foreach (uint x in new uint[] { 0, 1, (uint)d - 1, (uint)d, (uint)d + 1, int.MaxValue, uint.MaxValue - 1, uint.MaxValue })
            Assert.Equal(x % (uint)d, new Divisor(d).Remainder(x));
    }

    [Fact]
    public void A_generator_draws_the_same_targets_either_way()
    {
        var (a, b) = (SplitMix64.For(42, 7), SplitMix64.For(42, 7));
        var others = new Divisor(63);
        for (int i = 0; i < 10_000; i++) Assert.Equal(a.NextInt(63), b.NextInt(others));
    }

    [Fact]
    public void A_divisor_below_one_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => new Divisor(0));
}
