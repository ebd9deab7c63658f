using CsCheck;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The property tests (CsCheck) explore new cases on every run, and a failure must be replayable:
/// CsCheck names the failing case's seed in its message, and CsCheck_Seed=SEED (an environment
/// variable) or seed: SEED replays exactly that case. This holds it against a property that fails.
/// </summary>
public class PropertySeedTests
{
    [Fact]
    public void A_failing_property_prints_its_seed_and_the_seed_replays_the_same_case()
    {
        int first = -1;
        var failure = Assert.ThrowsAny<Exception>(() => Gen.Int[0, 1_000_000].Sample(i =>
        {
            first = i;
            return i < 500_000;
        }, iter: 10_000));
        var seed = System.Text.RegularExpressions.Regex.Match(failure.Message, "CsCheck_Seed=(\\S+)");
        Assert.True(seed.Success, failure.Message);

        int replayed = -1;
        Assert.ThrowsAny<Exception>(() => Gen.Int[0, 1_000_000].Sample(i =>
        {
            replayed = i;
            return i < 500_000;
        }, seed: seed.Groups[1].Value, iter: 1, threads: 1));
        Assert.True(replayed >= 500_000);
        Assert.True(first >= 0);
    }
}
