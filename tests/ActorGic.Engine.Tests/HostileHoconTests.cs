using System.Runtime.InteropServices;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Scenario text built to hurt the loader: each guard made to fire, and each refusal one line
/// naming the file or the HOCON path.
/// </summary>
public sealed class HostileHoconTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-hostile").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    private static string Refusal(Action load)
    {
        var e = Assert.Throws<ScenarioException>(load);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static string RefusalOf(string hocon) => Refusal(() => ScenarioLoader.LoadText(hocon));

    [Theory]
    [InlineData("scenario { end = null }", "scenario.end: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, name = null }", "scenario.name: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, seed = null }", "scenario.seed: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, actions = [ { at = null, cpu = 0, do = hang } ] }", "scenario.actions[0].at: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 1, to = [null] } ] }", "scenario.actions[0].to[0]: null is not a value here: give one, or leave the key out")]
    [InlineData("scenario { end = 1ms, topology = null }", "scenario.topology: expected a block { ... }")]
    [InlineData("scenario { end = 1ms, actions = null }", "scenario.actions: expected a list")]
    public void Null_is_refused_by_its_path(string hocon, string expected) => Assert.Equal(expected, RefusalOf(hocon));

    [Theory]
    [InlineData("scenario { end = [1ms] }", "scenario.end: expected a single value, not a block or list")]
    [InlineData("scenario { end = { ms = 1 } }", "scenario.end: expected a single value, not a block or list")]
    [InlineData("scenario { end = 1ms, gic = [1] }", "scenario.gic: expected a block { ... }")]
    [InlineData("scenario { end = 1ms, actions = { at = 1us } }", "scenario.actions: expected a list")]
    [InlineData("scenario { end = 1ms, actions = [ [1] ] }", "scenario.actions[0]: expected an action { at = ..., cpu = ..., do = ... }")]
    [InlineData("scenario { end = 1ms, nmi-users = [ 5 ] }", "scenario.nmi-users[0]: expected { name = NAME, priority = N }")]
    [InlineData("scenario { end = 1ms, timing { ipi-handlers { RESCHEDULE = [1] } } }", "scenario.timing.ipi-handlers.RESCHEDULE: expected a single value, not a block or list")]
    [InlineData("scenario { end = 1ms, topology { cpus = 2, mpidr = [ [0] ] } }", "scenario.topology.mpidr[0]: expected a single value, not a block or list")]
    [InlineData("scenario = [ { end = 1ms } ]", "scenario: missing: a scenario file has one scenario { ... } block")]
    public void A_wrong_type_is_refused_by_its_path(string hocon, string expected) => Assert.Equal(expected, RefusalOf(hocon));

    [Fact]
    public void A_key_across_lines_is_named_on_one_line()
    {
        // Akka skips the second '=' and reads "2", the line break and "b" as one key.
        Assert.Equal("scenario.2\\n  b: unknown key (known: name, seed, end, topology, gic, kernel, timing, nmi-users, reclaim, invariants, actions)",
            RefusalOf("scenario { end = 1ms = 2\n  b = 3 }"));
    }
}
