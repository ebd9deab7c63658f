using System.Net;
using System.Net.Sockets;
using ActorGic.Cli;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>
/// Every command ends within bounds: a worker with no coordinator gives up after --join-timeout
/// (exit 3, one line), and an interruption (SIGINT or SIGTERM; here the test's own) stops run
/// on every engine and node within a moment: exit 130, one line, no output written.
/// </summary>
[Collection("cluster processes")]
public sealed class StopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-stop").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A storm of one virtual second: minutes of wall time on any engine, so only the interruption ends it.</summary>
    private string LongStorm()
    {
        string file = Path.Combine(_dir, "long-storm.conf");
        File.WriteAllText(file, """
            scenario {
              seed = 3
              end = 1s
              topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 }
              actions = [ { at = 0us, cpu = 0, do = traffic, intid = 1, rate = 2000000, cpus = all, until = 1s } ]
            }
            """);
        return file;
    }

    [Fact]
    public void A_node_without_a_coordinator_gives_up_after_its_join_timeout_with_exit_3_and_one_line()
    {
        int port = FreePort();
        var (exit, output, error) = Run("node", "--seed", $"127.0.0.1:{port}", "--join-timeout", "2s");
        Assert.Equal(3, exit);
        Assert.Equal("", output);
        Assert.Equal($"actorgic: no coordinator at 127.0.0.1:{port} took this node within 2 s; it stops", Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("2d")]
    public void A_bad_join_timeout_exits_2_with_one_line(string value)
    {
        var (exit, _, error) = Run("node", "--seed", "127.0.0.1:1", "--join-timeout", value);
        Assert.Equal(2, exit);
        Assert.StartsWith("actorgic: --join-timeout: ", Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("--engine", "reference")]
    [InlineData("--engine", "actors")]
    [InlineData("--nodes", "2")]
    public async Task An_interrupted_run_exits_130_with_one_line_and_writes_nothing(string option, string value)
    {
        string report = Path.Combine(_dir, "r.json");
        using var stop = new Interruption();
        // The run takes minutes: whenever the interruption comes (loading or running), it is what ends it.
        _ = Task.Delay(TimeSpan.FromMilliseconds(300)).ContinueWith(_ => stop.Cancel("SIGINT"), TaskScheduler.Default);
        var run = Task.Run(() => Run(stop, "run", LongStorm(), option, value, "--report", report));
        var (exit, output, error) = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(130, exit);
        Assert.Equal("", output);
        Assert.Matches(@"^actorgic: interrupted by SIGINT: the run stopped at t=\d+ ns of 1000000000 ns$", Assert.Single(Lines(error)));
        Assert.False(File.Exists(report));
        Assert.Equal(["long-storm.conf"], Directory.GetFiles(_dir).Select(Path.GetFileName)); // no temporary left behind
    }

    [Fact]
    public void A_coordinator_interrupted_while_it_waits_for_its_workers_exits_130()
    {
        using var stop = new Interruption();
        // Interrupted right after it says it is waiting: deterministic, no timer.
        var error = new StopOnLine(stop, "waiting for 1 node(s)", "SIGTERM");
        var output = new StringWriter();
        int exit = ActorGicCommand.Run(["run", LongStorm(), "--nodes", "2", "--listen", $"{FreePort()}"], output, error, stop);
        Assert.Equal(130, exit);
        Assert.Equal("actorgic: interrupted by SIGTERM: the run stopped at t=0 ns of 1000000000 ns", Lines(error.ToString()).Last());
        Assert.Equal(2, Lines(error.ToString()).Length); // the coordinator's "waiting" line, then the one line
    }

    [Fact]
    public async Task An_interrupted_node_exits_130_with_one_line()
    {
        using var stop = new Interruption();
        _ = Task.Delay(TimeSpan.FromMilliseconds(300)).ContinueWith(_ => stop.Cancel("SIGTERM"), TaskScheduler.Default);
        var node = Task.Run(() => Run(stop, "node", "--seed", $"127.0.0.1:{FreePort()}"));
        var (exit, _, error) = await node.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(130, exit);
        Assert.Equal("actorgic: interrupted by SIGTERM: the node stops before it joined a run", Assert.Single(Lines(error)));
    }

    /// <summary>Standard error that interrupts the command once a line containing <paramref name="trigger"/> is written.</summary>
    private sealed class StopOnLine(Interruption stop, string trigger, string cause) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger) == true) stop.Cancel(cause);
        }
    }
}

[CollectionDefinition("cluster processes", DisableParallelization = true)]
public sealed class ClusterProcessesCollection;
