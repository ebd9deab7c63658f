using ActorGic.Kernel;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>timing.ipi-handlers names only what a handler's time is looked up by; any other name is a typo the run would ignore.</summary>
public class IpiHandlerNamesTests
{
    private const string Ipis612 = "RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, CPU_BACKTRACE, KGDB_ROUNDUP";

    [Theory]
    [InlineData("kernel { profile = linux-6.12 }\n timing { ipi-handlers { BOGUS = 1us } }",
        "scenario.timing.ipi-handlers.BOGUS: BOGUS is not an IPI of linux-6.12 (" + Ipis612 + ")")]
    // WAKEUP is linux-6.1's: the defaults may hold it for that era, a linux-6.12 scenario may not.
    [InlineData("kernel { profile = linux-6.12 }\n timing { ipi-handlers { IPI_WAKEUP = 1us } }",
        "scenario.timing.ipi-handlers.IPI_WAKEUP: WAKEUP is not an IPI of linux-6.12 (" + Ipis612 + ")")]
    [InlineData("kernel { profile = linux-6.12 }\n timing { ipi-handlers { reschedule = 1us } }",
        "scenario.timing.ipi-handlers.reschedule: reschedule is not an IPI of linux-6.12 (" + Ipis612 + ")")]
    [InlineData("kernel { profile = linux-6.1 }\n timing { ipi-handlers { CPU_BACKTRACE = 1us } }",
        "scenario.timing.ipi-handlers.CPU_BACKTRACE: CPU_BACKTRACE is not an IPI of linux-6.1 (RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_CRASH_STOP, TIMER, IRQ_WORK, WAKEUP)")]
    [InlineData("kernel { profile = linux-6.12 }\n nmi-users = [ { name = cpu-pause, priority = 5 } ]\n timing { ipi-handlers { backtrace = 1us } }\n" +
                " actions = [ { at = 1us, cpu = 0, do = request-sgi, purpose = pmu-sample, nmi = true } ]",
        "scenario.timing.ipi-handlers.backtrace: backtrace is not an IPI of linux-6.12 (" + Ipis612 + "), nor an NMI user (cpu-pause) or " +
        "a request-sgi purpose (pmu-sample); the built-in NMI user backtrace takes CPU_BACKTRACE's time")]
    [InlineData("kernel { profile = none }\n timing { ipi-handlers { RESCHEDULE = 1us } }",
        "scenario.timing.ipi-handlers.RESCHEDULE: RESCHEDULE is not a handler of profile none: its handlers are raw SGIs, SGI0 to SGI15 (timing.handler for every one not named)")]
    public void An_ipi_handler_time_for_a_name_nothing_looks_up_is_refused(string body, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText($"scenario {{ end = 10us\n {body} }}"));
        Assert.Equal(expected, e.Message);
    }

    [Theory]
    [InlineData("kernel { profile = linux-6.12 }\n timing { ipi-handlers { IPI_RESCHEDULE = 2us } }", "RESCHEDULE")]
    [InlineData("kernel { profile = linux-6.1 }\n timing { ipi-handlers { WAKEUP = 2us } }", "WAKEUP")]
    [InlineData("kernel { profile = linux-6.1 }\n nmi-users = [ { name = probe, priority = 1 } ]\n timing { ipi-handlers { CPU_BACKTRACE = 2us } }", "CPU_BACKTRACE")]
    [InlineData("kernel { profile = linux-6.12, nmi-mux = on }\n nmi-users = [ { name = probe, priority = 1 } ]\n timing { ipi-handlers { probe = 2us } }", "probe")]
    [InlineData("kernel { profile = linux-6.12 }\n timing { ipi-handlers { pmu-sample = 2us } }\n" +
                " actions = [ { at = 1us, cpu = 0, do = request-sgi, purpose = pmu-sample, nmi = true } ]", "pmu-sample")]
    [InlineData("kernel { profile = none }\n timing { ipi-handlers { SGI3 = 2us } }", "SGI3")]
    public void A_name_a_handler_time_is_looked_up_by_is_accepted(string body, string name)
    {
        var scenario = ScenarioLoader.LoadText($"scenario {{ end = 10us\n {body} }}");
        Assert.Equal(2_000, scenario.Timing.IpiHandlers[name]);
        Assert.Equal(2_000, scenario.Timing.HandlerOf(name));
    }

    /// <summary>The defaults serve every era, so they keep names only some profiles have (WAKEUP under linux-6.12), but each is some era's IPI.</summary>
    [Fact]
    public void The_defaults_name_only_ipis_some_profile_has_and_load_under_every_profile()
    {
        var anyEra = KernelProfiles.All.SelectMany(p => p.Ipis).Select(i => i.Name).ToHashSet();
        var defaults = ScenarioLoader.Defaults.GetConfig("actorgic.timing.ipi-handlers").AsEnumerable().Select(p => p.Key).ToList();
        Assert.Contains("WAKEUP", defaults);
        Assert.All(defaults, name => Assert.Contains(name, anyEra));
        foreach (var profile in new[] { "none", "linux-6.1", "linux-6.7", "linux-6.12" })
            Assert.Equal(profile, ScenarioLoader.LoadText($"scenario {{ end = 10us, kernel {{ profile = {profile} }} }}").Profile);
    }
}
