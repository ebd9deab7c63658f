using System.Globalization;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>
/// What ends a run crosses between nodes within the frame too: a worker's facts and leftover
/// events of any size travel in parts that each fit and come back whole; a scenario too large for
/// one message is refused at the sender with one line.
/// </summary>
public class WireBudgetTests() : TestKit(ConfigurationFactory.ParseString($"{WireBudget.FrameSizePath} = 32000b")
    .WithFallback(ActorEngine.SingleProcessConfig()))
{
    [Fact]
    public void A_worker_s_facts_of_any_size_travel_in_parts_that_fit_and_come_back_whole()
    {
        var config = Sys.Settings.Config;
        int budget = WireBudget.PayloadBytes(config);
        var serializer = Sys.Serialization.FindSerializerFor(new RunTo(0));
        var events = Gen.Select(Gen.Long[0, 1L << 40], Gen.Int[0, 10_000], Gen.Int[0, int.MaxValue])
            .Select((time, target, seq) => new SimEvent { Time = time, Target = target, Source = 3, Seq = seq, Kind = EventKind.SgiWrite });
        Gen.Select(Gen.Int[0, 120_000], Gen.Byte, events.Array[0, 2_000], Gen.Long[0, long.MaxValue]).Sample((size, fill, remaining, peak) =>
        {
            var facts = new NodeFacts(3, Enumerable.Range(0, size).Select(i => (byte)(fill + i)).ToArray(), remaining, peak);
            var parts = WireBudget.Split(facts, WireBudget.BytesPerMessage(config), WireBudget.EventsPerMessage(config)).ToList();
            Assert.All(parts, p => Assert.True(serializer.ToBinary(p).Length <= budget, $"a part of {serializer.ToBinary(p).Length} bytes"));
            Assert.Equal(parts.Count - 1, parts.Count(p => p.More));
            Assert.False(parts[^1].More);
            var assembly = new NodeFactsParts();
            var whole = parts.Select(assembly.Add).ToList();
            Assert.All(whole[..^1], w => Assert.Null(w));
            Assert.Equal(SerializerTests.Normalize(facts), SerializerTests.Normalize(whole[^1]!));
        }, iter: 60);
    }

    [Fact]
    public void A_scenario_too_large_for_one_message_is_refused_at_the_sender()
    {
        var small = new AssignNode(1, 2, "scenario { end = 1us }", "s", "/tmp", 1, "ab");
        WireBudget.CheckFits(Sys, small, "the scenario a worker node receives");
        var large = small with { ScenarioText = new string('#', 40_000) };
        int size = Sys.Serialization.FindSerializerFor(large).ToBinary(large).Length;
        var e = Assert.Throws<RunAbortedException>(() => WireBudget.CheckFits(Sys, large, "the scenario a worker node receives"));
        Assert.Equal($"the scenario a worker node receives is {size.ToString("N0", CultureInfo.InvariantCulture)} bytes; " +
            "one message between nodes carries at most 27,904 (akka.remote.dot-netty.tcp.maximum-frame-size = 32,000 less 4,096 for Akka's envelope)",
            e.Message);
    }

    [Fact]
    public void A_failure_s_reason_fits_one_message()
    {
        var failed = WireBudget.Bounded(new RunFailed(5, new string('x', 50_000)));
        Assert.Equal(WireBudget.MaxReasonChars + 3, failed.Reason.Length);
        var one = new RunFailed(5, "cpu 3 failed at t=5 ns: causality");
        Assert.Same(one, WireBudget.Bounded(one));
    }
}
