using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic bench checks every argument before it measures anything (the measuring itself is never a test).</summary>
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("--only", "storm,stom", "--only: \"stom\" is not a part of the bench (startup, storm, mux, reclaim, broadcast)")]
    [InlineData("--repeat", "0", "--repeat: 0 is not a repeat count (1 to 100)")]
    [InlineData("--storm-ns", "5", "--storm-ns: 5 is not a storm length (10000 to 10000000000 ns)")]
    [InlineData("--storm-cpus", "64,1", "--storm-cpus: \"1\" is not a CPU count (2-65536)")]
    [InlineData("--broadcast-cpus", "x", "--broadcast-cpus: \"x\" is not a CPU count (2-65536)")]
    [InlineData("--nodes", "0", "--nodes: must be 1 to 64")]
    public void Bad_bench_arguments_exit_2_with_one_line_before_anything_runs(string option, string value, string expected)
    {
        // --only broadcast with a bad argument elsewhere: nothing may run, not even the header.
        string[] args = option == "--only" ? ["bench", option, value] : ["bench", "--only", "broadcast", option, value];
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal($"actorgic: {expected}", Assert.Single(Lines(error)));
    }
}
