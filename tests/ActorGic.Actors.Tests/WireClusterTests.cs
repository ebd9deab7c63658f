using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// In-process nodes over real sockets: a window's batch larger than Akka's frame travels in parts
/// and the run gives the reference report (instead of a dropped frame and a run that waits
/// forever), and garbage thrown at a node's port while it runs changes nothing and prints one
/// warning line, no stack trace.
/// </summary>
[Collection("in-process cluster")]
public class WireClusterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static RunReport Reference(Scenario s)
    {
        var sim = new Simulation(s, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(s.End), "reference");
    }

    /// <summary>
    /// 512 CPUs on 2 chips of 16 clusters; 64 CPUs of each chip broadcast an SGI at the same time:
    /// one ICC_SGI1R_EL1 write per cluster, so 1,024 writes cross to each chip in one window.
    /// </summary>
    private static Scenario CrossChipBroadcasts()
    {
        var builder = new ScenarioBuilder(cpus: 512, cpusPerCluster: 16, clustersPerChip: 16).WithName("cross-chip broadcasts");
        foreach (int cpu in Enumerable.Range(0, 64).Concat(Enumerable.Range(256, 64)))
            builder.Sgi(1_000, cpu, 2, TargetSet.AllButSelf);
        return builder.Build(20_000);
    }

    [Fact]
    public void A_window_batch_larger_than_the_frame_travels_in_parts_and_gives_the_reference_report()
    {
        const int frame = 32_000; // Akka's smallest
        var scenario = CrossChipBroadcasts();
        var reference = Reference(scenario);
        var sim = new Simulation(scenario, keepTrace: false);
        var clock = new WindowClock();
        var options = new ClusterOptions
        {
            Config = ConfigurationFactory.ParseString($"{WireBudget.FrameSizePath} = {frame}b"),
            Clock = clock,
        };
        var outcome = ClusterEngine.Run(sim, scenario.End, 2, options: options);
        ReportComparison.AssertSameReport(reference, RunReport.Build(sim, outcome, "actors", 2), "2 nodes, 32,000-byte frames");
        // Without parts this batch would not have fit one frame: Akka would have dropped it and the run waited forever.
        Assert.True(clock.LargestBatch * ActorGicSerializer.EventBytes > frame, $"largest batch: {clock.LargestBatch} events");
    }

    private static Scenario ThreeChips() => ScenarioLoader.LoadText("""
        scenario {
          seed = 5
          end = 40us
          topology { cpus = 48, cpus-per-cluster = 16, clusters-per-chip = 1 }
          kernel { profile = linux-6.12, nmi-mux = on }
          actions = [
            { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 400000, cpus = all, until = 30us }
            { at = 5us, cpu = 40, do = backtrace, to = all-but-self }
          ]
        }
        """);

    [Fact]
    public void Two_hundred_garbage_connections_to_running_nodes_change_nothing_and_print_one_warning_line()
    {
        var scenario = ThreeChips();
        var reference = Reference(scenario);
        var sim = new Simulation(scenario, keepTrace: false);
        var warnings = new StringWriter();
        var noise = new ConnectionNoise(warnings);
        var (logConfig, logged) = CapturingLogger.Create();
        var handshake = GenuineHandshake();
        var payloads = Garbage(handshake);
        int closedByErrors = 0;
        var options = new ClusterOptions
        {
            Config = logConfig,
            Noise = noise,
            WhileRunning = async addresses =>
            {
                var done = await Task.WhenAll(payloads.Select((p, i) => Throw(addresses[i % addresses.Count].Port!.Value, p)));
                closedByErrors = done.Count(closed => closed);
                // Each HTTP request is a frame of 542 MB: the node logs an error (dropped by the filter) and closes the connection.
                SpinWait.SpinUntil(() => noise.Dropped >= 40, Bound);
            },
        };
        var outcome = ClusterEngine.Run(sim, scenario.End, 2, options: options);

        ReportComparison.AssertSameReport(reference, RunReport.Build(sim, outcome, "actors", 2), "2 nodes under garbage");
        // What Akka's logger would have printed (standard output): no error, no stack trace.
        var printed = logged();
        Assert.DoesNotContain(printed, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("DotNetty") || l.Contains("[ERROR]"));
        Assert.True(noise.Dropped >= 40, $"the filter dropped {noise.Dropped} log events; {closedByErrors} connections were closed by the node");
        var line = Assert.Single(warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("actorgic: warning: a connection to this node's port failed and was closed (", line);
    }

    /// <summary>200 payloads, 40 of each kind: HTTP, random bytes, a frame of garbage, a handshake cut short, a whole handshake and nothing after.</summary>
    private static List<byte[]> Garbage(byte[] handshake)
    {
        var random = new Random(42);
        var payloads = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            payloads.Add(Encoding.ASCII.GetBytes($"GET /{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            payloads.Add(bytes);
            var frame = new byte[4 + 40];
            random.NextBytes(frame);
            BitConverter.TryWriteBytes(frame, 40); // little-endian, as Akka's frames are
            payloads.Add(frame);
            payloads.Add(handshake[..random.Next(1, handshake.Length)]);
            payloads.Add(handshake);
        }
        return payloads;
    }

    /// <summary>
    /// One garbage connection: connect, send, close the sending side, read until the node closes
    /// (true) or a bounded wait ends (false). Every step has a bound.
    /// </summary>
    private static async Task<bool> Throw(int port, byte[] payload)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(Bound);
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(payload, timeout.Token);
        client.Client.Shutdown(SocketShutdown.Send);
        var buffer = new byte[512];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The first frame an Akka node sends when it associates (its Associate PDU): another system
    /// is asked to send a message to a plain listener, whose first frame is read (bounded).
    /// </summary>
    private static byte[] GenuineHandshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sender = ActorSystem.Create("actorgic", ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF")
            .WithFallback(ClusterEngine.NodeConfig()));
        try
        {
            sender.ActorSelection($"akka.tcp://actorgic@127.0.0.1:{port}/user/nobody").Tell("hello");
            using var timeout = new CancellationTokenSource(Bound);
            using var peer = listener.AcceptTcpClientAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
            var stream = peer.GetStream();
            var header = new byte[4];
            stream.ReadExactlyAsync(header, timeout.Token).AsTask().GetAwaiter().GetResult();
            int length = BitConverter.ToInt32(header);
            Assert.InRange(length, 1, 64 * 1024);
            var body = new byte[length];
            stream.ReadExactlyAsync(body, timeout.Token).AsTask().GetAwaiter().GetResult();
            return [.. header, .. body];
        }
        finally
        {
            sender.Terminate().Wait(Bound);
        }
    }
}
