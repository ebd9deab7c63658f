using Akka.Configuration;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;
using Xunit.Abstractions;

namespace ActorGic.Testing;

/// <summary>
/// The base class of a user's TestKit suite against the model: the ActorSystem it creates has
/// the simulation dispatcher (<c>akka.actor.sim-dispatcher</c>), so a plain subclass runs
/// scenarios with no configuration of its own.
/// <code>
/// public class MyTests : ActorGicTestKit
/// {
///     [Fact] public void Reschedule_reaches_cpu_2()
///     {
///         using var run = StartScenario(new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12"), end: 50_000);
///         run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [2])).AdvanceTo(5_000);
///         Assert.Equal(1, run.IpiHandled(cpu: 2, ipi: "RESCHEDULE"));
///     }
/// }
/// </code>
/// Every wait is bounded by the TestKit's settings: a step ends with <see cref="RunAbortedException"/>
/// when no window finishes for <c>akka.test.default-timeout</c> (dilated by
/// <c>akka.test.timefactor</c>) of wall time. Assertions are in virtual time; nothing sleeps.
/// </summary>
public abstract class ActorGicTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <param name="output">xunit's output helper, for Akka's log.</param>
    /// <param name="threads">Simulation threads: the reports are the same with any number.</param>
    protected ActorGicTestKit(ITestOutputHelper? output = null, int threads = 1)
        : base(ActorEngine.SingleProcessConfig(threads), "actorgic-test", output)
    {
    }

    /// <summary>With settings of your own; the simulation dispatcher is added under them.</summary>
    protected ActorGicTestKit(Config config, ITestOutputHelper? output = null)
        : base(config.WithFallback(ActorEngine.SingleProcessConfig()), "actorgic-test", output)
    {
    }

    /// <summary>The bounds of every run this TestKit starts: the TestKit's default timeout, dilated, as the window watchdog.</summary>
    protected RunBounds Bounds => new() { Watchdog = Dilated(TestKitSettings.DefaultTimeout) };

    /// <summary>Starts the scenario at virtual time 0 for the test to step through; dispose it or take its report.</summary>
    protected SteppedRun StartScenario(ScenarioBuilder builder, long end) => Sys.StartScenario(builder, end, Bounds);

    /// <summary>Runs the scenario straight to its end on the actor engine.</summary>
    protected RunReport RunScenario(ScenarioBuilder builder, long end) => StartScenario(builder, end).Report();
}
