using System.Runtime.Serialization;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Kernel;
using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>The protocol's binary serializer: every message round-trips; anything unknown or malformed is refused.</summary>
public class SerializerTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static readonly SimEvent Event = new()
    {
        Time = 1_234,
        Target = 7,
        Source = -1,
        Seq = 99,
        Kind = EventKind.MuxSet,
        A = 3,
        B = -5,
        C = long.MaxValue,
        D = long.MinValue,
    };

    public static TheoryData<IActorGicMessage> Messages() =>
    [
        new RunWindow(10, 30, [Event, Event with { Seq = 100 }]),
        new WindowDone(4, [Event], long.MaxValue, 17, 350),
        new RunFailed(1_234, "cpu 3 failed at t=1234 ns: causality"),
        new RunTo(5_000),
        new RunFinished(3, 40, 5_000, [Event], 12),
        DrainLocal.Instance,
        new LocalDrained(2, []),
        new RegisterNmiUser("cpu-pause", 5, false),
        new UnregisterNmiUser("cpu-pause"),
        new NmiUserRegistered("cpu-pause", 3, 5),
        new NmiUserUnregistered("cpu-pause"),
        new NmiBrokerRefused("no"),
        GetNmiUsers.Instance,
        new NmiUsers([new NmiUser("cpu-stop", 30, 2, true)], 3),
        new NodeStart(5_000, [40, long.MaxValue], ["akka.tcp://actorgic@127.0.0.1:4053/user/node-keeper", "akka://actorgic/user/node-keeper"], [Event]),
        new NodeStart(5_000, [], [], [Event], More: true),
        new NodeStart(5_000, [1, 2], ["a", "b"], [], Lookahead: [600, 300, 300, 600]),
        new PeerBatch(2, 17, [Event, Event], 75, [long.MaxValue, 1_234, 60], 123_456_789),
        new PeerBatch(2, 17, [Event], 0, [], 0, More: true),
        new NodeFinished(2, 1_005, 9, 4, 123_456_789, [3, 0, 7], [40, 0, 12], 568),
        DrainNode.Instance,
        new JoinRun("0123456789abcdef"),
        new JoinRefused("configuration hash differs"),
        new AssignNode(2, 3, "scenario { end = 1us }", "s", "/tmp", 7, "ab"),
        new NodeReady(2),
        GetNodeFacts.Instance,
        new NodeFacts(2, [1, 2, 3, 255], [Event], 123_456_789),
        new NodeFacts(2, [1, 2], [], 0, More: true),
        EndRun.Instance,
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_protocol_message_round_trips_through_the_bound_serializer(IActorGicMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ActorGicSerializer>(serializer);
        var s = (ActorGicSerializer)serializer;
        var back = s.FromBinary(s.ToBinary(message), s.Manifest(message));
        Assert.Equal(Normalize(message), Normalize(back));
    }

    // Records holding arrays compare by reference: compare their serialized form and their fields instead.
    internal static string Normalize(object m) => m switch
    {
        RunWindow w => $"rw {w.Start} {w.End} {string.Join(",", w.Incoming.Select(Show))}",
        WindowDone d => $"wd {d.Component} {d.NextLocal} {d.Events} {d.RanTo} {string.Join(",", d.Outgoing.Select(Show))}",
        RunFinished f => $"rf {f.Windows} {f.Events} {f.ReachedNs} {f.ComponentRuns} {string.Join(",", f.Undelivered.Select(Show))}",
        LocalDrained l => $"ld {l.Component} {string.Join(",", l.Remaining.Select(Show))}",
        NmiUsers u => $"nl {u.Sgi} {string.Join(",", u.Users)}",
        NodeStart n => $"Ns {n.End} {string.Join(",", n.Earliest)} {string.Join(" ", n.Peers)} {n.More} {string.Join(",", n.Lookahead)} {string.Join(",", n.Incoming.Select(Show))}",
        PeerBatch b => $"Nb {b.From} {b.Window} {b.NextTime} {string.Join(",", b.EarliestSent)} {b.BusyTicks} {b.More} {string.Join(",", b.Events.Select(Show))}",
        NodeFinished f => $"Nf {f.Node} {f.Windows} {f.Events} {f.ComponentRuns} {f.BusyTicks} {string.Join(",", f.MessagesTo)} {string.Join(",", f.EventsTo)} {f.LargestBatch}",
        NodeFacts f => $"Cf {f.Node} {Convert.ToHexString(f.Facts)} {f.PeakBytes} {f.More} {string.Join(",", f.Remaining.Select(Show))}",
        _ => m.ToString()!,
    };

    private static string Show(SimEvent e) => $"{e.Time}/{e.Target}/{e.Source}/{e.Seq}/{e.Kind}/{e.A}/{e.B}/{e.C}/{e.D}";

    /// <summary>Every event kind with every field drawn over its whole range survives the wire, in a window and in a node batch.</summary>
    [Fact]
    public void Every_event_kind_and_field_round_trips()
    {
        var s = (ActorGicSerializer)Sys.Serialization.FindSerializerFor(new RunTo(1));
        var kinds = Enum.GetValues<EventKind>();
        var gen = Gen.Select(Gen.Long, Gen.Int, Gen.Int, Gen.Int[0, int.MaxValue], Gen.Int[0, kinds.Length - 1])
            .SelectMany(h => Gen.Select(Gen.Int, Gen.Int, Gen.Long, Gen.Long).Select(p => new SimEvent
            {
                Time = h.Item1, Target = h.Item2, Source = h.Item3, Seq = h.Item4, Kind = kinds[h.Item5],
                A = p.Item1, B = p.Item2, C = p.Item3, D = p.Item4,
            }));
        gen.Array[0, 40].Sample(events =>
        {
            foreach (IActorGicMessage m in new IActorGicMessage[] { new RunWindow(1, 2, [.. events]), new PeerBatch(3, 4, events, 5, [6, 7], 8) })
                if (Normalize(s.FromBinary(s.ToBinary(m), s.Manifest(m))) != Normalize(m)) return false;
            return true;
        }, iter: 300);
    }

    /// <summary>The bench counts the bytes between nodes from these sizes: they must be what the serializer writes.</summary>
    [Fact]
    public void A_node_batch_is_its_header_and_each_event_s_bytes()
    {
        var s = (ActorGicSerializer)Sys.Serialization.FindSerializerFor(new RunTo(1));
        foreach (int nodes in new[] { 1, 2, 4, 64 })
        {
            var earliest = new long[nodes];
            Assert.Equal(ActorGicSerializer.PeerBatchHeaderBytes(nodes), s.ToBinary(new PeerBatch(1, 2, [], 3, earliest, 4)).Length);
            Assert.Equal(ActorGicSerializer.PeerBatchHeaderBytes(nodes) + 3 * ActorGicSerializer.EventBytes,
                s.ToBinary(new PeerBatch(1, 2, [Event, Event, Event], 3, earliest, 4)).Length);
            // The root's start: its header grows with the peers' paths (a 7-bit length each, then UTF-8).
            var peers = Enumerable.Range(0, nodes).Select(n => $"akka.tcp://actorgic@127.0.0.1:{40_000 + n}/user/" + new string('w', 20 * n) + "/node-keeper").ToArray();
            Assert.Equal(ActorGicSerializer.NodeStartHeaderBytes(nodes, peers) + 2 * ActorGicSerializer.EventBytes,
                s.ToBinary(new NodeStart(9, earliest, peers, [Event, Event])).Length);
            Assert.Equal(ActorGicSerializer.NodeStartHeaderBytes(nodes, peers, nodes * nodes),
                s.ToBinary(new NodeStart(9, earliest, peers, [], Lookahead: new long[nodes * nodes])).Length);
        }
    }

    [Fact]
    public void Unknown_manifests_and_malformed_payloads_are_refused()
    {
        var s = (ActorGicSerializer)Sys.Serialization.FindSerializerFor(new RunTo(1));
        Assert.Contains("unknown manifest", Assert.Throws<SerializationException>(() => s.FromBinary([], "System.Diagnostics.Process")).Message);
        var bytes = s.ToBinary(new RunWindow(1, 2, [Event]));
        Assert.Contains("malformed", Assert.Throws<SerializationException>(() => s.FromBinary(bytes[..^3], "rw")).Message);
        Assert.Contains("trailing", Assert.Throws<SerializationException>(() => s.FromBinary([.. bytes, 0], "rw")).Message);
        var badKind = (byte[])bytes.Clone();
        badKind[8 + 8 + 4 + 8 + 4 + 4 + 8] = 250; // the first event's kind byte
        Assert.Contains("unknown event kind", Assert.Throws<SerializationException>(() => s.FromBinary(badKind, "rw")).Message);
        var badSeq = (byte[])bytes.Clone();
        badSeq[8 + 8 + 4 + 8 + 4 + 4 + 7] = 0x80; // the first event's sequence number: negative
        Assert.Contains("sequence number", Assert.Throws<SerializationException>(() => s.FromBinary(badSeq, "rw")).Message);
    }
}

/// <summary>A whole run with every message forced through the serializer gives the reference report.</summary>
public class SerializedRunTests() : TestKit(ConfigurationFactory.ParseString("akka.actor.serialize-messages = on")
    .WithFallback(ActorEngine.SingleProcessConfig()))
{
    [Theory]
    [InlineData("nmi-mux-four-users.conf")]
    [InlineData("ipi-storm-256.conf")]
    public void Serialized_messages_give_the_same_report(string file)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        var sim = new Simulation(scenario, keepTrace: false);
        var reference = RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
        ReportComparison.AssertSameReport(reference, Sys.RunScenario(scenario), $"{file} serialized");
    }
}
