using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>What a user's own TestKit suite looks like: build N CPUs, send, run to a virtual time, assert deliveries.</summary>
public class UserHelperExampleTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    [Fact]
    public void Sgi_reaches_exactly_the_even_cpus()
    {
        var report = Sys.RunScenario(new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2, 4, 6]), end: 20_000);
        Assert.Equal([0, 2, 4, 6], report.CpusThatAcked(intid: 1));
        Assert.Equal(1, report.Acks(cpu: 4, intid: 1));
        Assert.Equal(150, report.LatencyNs["SGI1"].Max);
    }
}
