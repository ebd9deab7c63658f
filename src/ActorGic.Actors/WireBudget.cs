using System.Globalization;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// How much one message between nodes may carry. Akka.Remote does not send a message whose frame
/// is larger than <c>akka.remote.dot-netty.tcp.maximum-frame-size</c>: it logs an
/// OversizedPayloadException and drops it, and a keeper waiting for it would wait forever. So every
/// batch that grows with the run (a window's events for a node, a node's answer, a worker's facts
/// and leftover events) travels in parts that each fit this budget, in order, and the receiver acts
/// on the last part only (<see cref="NodeStart.More"/>, <see cref="PeerBatch.More"/>,
/// <see cref="NodeFacts.More"/>). Akka keeps the order of messages between one sender and one
/// receiver, so parts arrive in the order they were sent. The other messages are small by
/// construction; a worker's scenario text is held against the budget before it is sent.
/// </summary>
public static class WireBudget
{
    public const string FrameSizePath = "akka.remote.dot-netty.tcp.maximum-frame-size";
    /// <summary>Akka's own default, when the setting is absent (a single process, no remoting).</summary>
    public const long DefaultFrameBytes = 128_000;
    /// <summary>Akka's envelope around a payload: the recipient's and sender's paths, the manifest, sequence numbers, an ack.</summary>
    public const int EnvelopeBytes = 4_096;
    /// <summary>A message's fixed fields besides its events or bytes (NodeFacts, the largest, has 30).</summary>
    public const int HeaderBytes = 64;
    /// <summary>A failure's reason travels in one message: longer ones are cut (they are one line, never this long).</summary>
    public const int MaxReasonChars = 2_000;

    public static long FrameBytes(Config config) => config.GetByteSize(FrameSizePath, DefaultFrameBytes) ?? DefaultFrameBytes;

    /// <summary>The largest payload one message may have on this system.</summary>
    public static int PayloadBytes(Config config) => (int)Math.Min(int.MaxValue, FrameBytes(config)) - EnvelopeBytes;

    /// <summary>Events per part of a batch (<see cref="ActorGicSerializer.EventBytes"/> each on the wire).</summary>
    public static int EventsPerMessage(Config config) => EventsPerMessage(config, HeaderBytes);

    /// <summary>Events per part of a batch whose message has <paramref name="headerBytes"/> besides its events (at least <see cref="HeaderBytes"/> are kept).</summary>
    public static int EventsPerMessage(Config config, int headerBytes) =>
        Math.Max(1, (PayloadBytes(config) - Math.Max(HeaderBytes, headerBytes)) / ActorGicSerializer.EventBytes);

    /// <summary>Bytes per part of a byte array (a worker's facts).</summary>
    public static int BytesPerMessage(Config config) => Math.Max(1, PayloadBytes(config) - HeaderBytes);

    /// <summary>How many parts <paramref name="count"/> items take: at least one (an empty batch is still an answer).</summary>
    public static int Parts(int count, int perPart) => count <= perPart ? 1 : (count + perPart - 1) / perPart;

    /// <summary>Part <paramref name="part"/> of <paramref name="items"/>, as its own array.</summary>
    public static T[] Part<T>(ReadOnlySpan<T> items, int part, int perPart)
    {
        int start = part * perPart;
        return items.Slice(start, Math.Min(perPart, items.Length - start)).ToArray();
    }

    public static SimEvent[] Part(List<SimEvent> items, int part, int perPart) => Part<SimEvent>(CollectionsMarshal.AsSpan(items), part, perPart);

    /// <summary>
    /// Refuses, at the sender, a message that cannot be split and does not fit one frame on
    /// <paramref name="system"/>: a RunAbortedException with one line, instead of a message Akka
    /// would drop.
    /// </summary>
    public static void CheckFits(ActorSystem system, IActorGicMessage message, string what)
    {
        int size = system.Serialization.FindSerializerFor(message).ToBinary(message).Length;
        int budget = PayloadBytes(system.Settings.Config);
        if (size > budget)
            throw new RunAbortedException(0, string.Create(CultureInfo.InvariantCulture,
                $"{what} is {size:N0} bytes; one message between nodes carries at most {budget:N0} " +
                $"({FrameSizePath} = {FrameBytes(system.Settings.Config):N0} less {EnvelopeBytes:N0} for Akka's envelope)"));
    }

    /// <summary>A failure's reason, cut to <see cref="MaxReasonChars"/>.</summary>
    public static RunFailed Bounded(RunFailed failed) =>
        failed.Reason.Length <= MaxReasonChars ? failed : failed with { Reason = failed.Reason[..MaxReasonChars] + "..." };

    /// <summary>
    /// A worker's facts and leftover events in parts that each fit <paramref name="bytesPerPart"/>
    /// and <paramref name="eventsPerPart"/>: the facts' bytes first, then the events; only the last
    /// part has More = false (and the peak working set).
    /// </summary>
    public static IEnumerable<NodeFacts> Split(NodeFacts facts, int bytesPerPart, int eventsPerPart)
    {
        if (facts.Facts.Length + (long)facts.Remaining.Length * ActorGicSerializer.EventBytes <= bytesPerPart)
        {
            yield return facts with { More = false };
            yield break;
        }
        int factParts = Parts(facts.Facts.Length, bytesPerPart);
        int eventParts = facts.Remaining.Length == 0 ? 0 : Parts(facts.Remaining.Length, eventsPerPart);
        for (int p = 0; p < factParts; p++)
            yield return new NodeFacts(facts.Node, Part<byte>(facts.Facts, p, bytesPerPart), [], 0, More: true);
        for (int p = 0; p < eventParts; p++)
            yield return new NodeFacts(facts.Node, [], Part<SimEvent>(facts.Remaining, p, eventsPerPart), 0, More: true);
        yield return new NodeFacts(facts.Node, [], [], facts.PeakBytes, More: false);
    }
}

/// <summary>A worker's facts as its parts arrive (<see cref="WireBudget.Split"/>): whole once the last one is in.</summary>
public sealed class NodeFactsParts
{
    private readonly MemoryStream _facts = new();
    private readonly List<SimEvent> _remaining = new();

    /// <summary>Adds a part; returns the whole facts on the last one, null before.</summary>
    public NodeFacts? Add(NodeFacts part)
    {
        _facts.Write(part.Facts);
        _remaining.AddRange(part.Remaining);
        return part.More ? null : new NodeFacts(part.Node, _facts.ToArray(), [.. _remaining], part.PeakBytes);
    }
}

/// <summary>Asks a worker for its facts and collects their parts (<see cref="WireBudget.Split"/>) until the last (<see cref="ProcessCluster"/>).</summary>
internal sealed class NodeFactsCollector(ActorSelection worker, TaskCompletionSource<NodeFacts> done) : UntypedActor
{
    private readonly NodeFactsParts _parts = new();

    protected override void PreStart() => worker.Tell(GetNodeFacts.Instance, Self);

    protected override void OnReceive(object message)
    {
        if (message is not NodeFacts part)
        {
            Unhandled(message);
            return;
        }
        if (_parts.Add(part) is { } whole)
        {
            done.TrySetResult(whole);
            Context.Stop(Self);
        }
    }
}
