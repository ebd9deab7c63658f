using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using ActorGic.Engine;
using ActorGic.Kernel;

namespace ActorGic.Actors;

/// <summary>
/// The binary serializer of the engine protocol, bound to <see cref="IActorGicMessage"/>: hand
/// written, a short string manifest per message, little-endian fields, events as fixed 53-byte
/// records. An unknown manifest or a malformed payload is refused with a SerializationException,
/// which Akka logs and drops: nothing is ever constructed from a type name on the wire.
/// </summary>
public sealed class ActorGicSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7_331;
    private const int MaxEvents = 1 << 24;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        RunWindow => "rw",
        WindowDone => "wd",
        RunTo => "rt",
        RunFinished => "rf",
        RunFailed => "rx",
        DrainLocal => "dl",
        LocalDrained => "ld",
        RegisterNmiUser => "nr",
        UnregisterNmiUser => "nu",
        NmiUserRegistered => "nR",
        NmiUserUnregistered => "nU",
        NmiBrokerRefused => "nx",
        GetNmiUsers => "ng",
        NmiUsers => "nl",
        NodeWindow => "Nw",
        NodeDone => "Nd",
        DrainNode => "Nx",
        JoinRun => "Cj",
        JoinRefused => "Cr",
        AssignNode => "Ca",
        NodeReady => "Cy",
        GetNodeFacts => "Cg",
        NodeFacts => "Cf",
        EndRun => "Ce",
        _ => throw new SerializationException($"ActorGicSerializer cannot serialize {o.GetType().FullName}"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            switch (obj)
            {
                case RunWindow m: w.Write(m.Start); w.Write(m.End); WriteEvents(w, m.Incoming); w.Write(m.Partner); w.Write(m.Back); break;
                case WindowDone m: w.Write(m.Component); WriteEvents(w, m.Outgoing); w.Write(m.NextLocal); w.Write(m.Events); w.Write(m.RanTo); break;
                case RunTo m: w.Write(m.End); break;
                case RunFinished m:
                    w.Write(m.Windows); w.Write(m.Events); w.Write(m.ReachedNs); WriteEvents(w, m.Undelivered); w.Write(m.ComponentRuns);
                    break;
                case RunFailed m: w.Write(m.ReachedNs); w.Write(m.Reason); break;
                case DrainLocal: break;
                case LocalDrained m: w.Write(m.Component); WriteEvents(w, m.Remaining); break;
                case RegisterNmiUser m: w.Write(m.Name); w.Write(m.Priority); w.Write(m.NeverReturns); break;
                case UnregisterNmiUser m: w.Write(m.Name); break;
                case NmiUserRegistered m: w.Write(m.Name); w.Write(m.Bit); w.Write(m.Priority); break;
                case NmiUserUnregistered m: w.Write(m.Name); break;
                case NmiBrokerRefused m: w.Write(m.Reason); break;
                case GetNmiUsers: break;
                case NmiUsers m:
                    w.Write(m.Sgi);
                    w.Write(m.Users.Count);
                    foreach (var u in m.Users) { w.Write(u.Name); w.Write(u.Priority); w.Write(u.Bit); w.Write(u.NeverReturns); }
                    break;
                case NodeWindow m: w.Write(m.Start); w.Write(m.End); WriteEvents(w, m.Incoming); break;
                case NodeDone m: w.Write(m.Node); WriteEvents(w, m.Outgoing); w.Write(m.NextTime); w.Write(m.Events); w.Write(m.ComponentRuns); break;
                case DrainNode: break;
                case JoinRun m: w.Write(m.ConfigHash); break;
                case JoinRefused m: w.Write(m.Reason); break;
                case AssignNode m:
                    w.Write(m.Node); w.Write(m.Nodes); w.Write(m.ScenarioText); w.Write(m.ScenarioName); w.Write(m.Directory); w.Write(m.Seed);
                    w.Write(m.ScenarioHash);
                    break;
                case NodeReady m: w.Write(m.Node); break;
                case GetNodeFacts: break;
                case NodeFacts m: w.Write(m.Node); w.Write(m.Facts.Length); w.Write(m.Facts); WriteEvents(w, m.Remaining); w.Write(m.PeakBytes); break;
                case EndRun: break;
                default: throw new SerializationException($"ActorGicSerializer cannot serialize {obj.GetType().FullName}");
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
            object message = manifest switch
            {
                "rw" => new RunWindow(r.ReadInt64(), r.ReadInt64(), [.. ReadEvents(r)], r.ReadInt32(), r.ReadInt64()),
                "wd" => new WindowDone(r.ReadInt32(), [.. ReadEvents(r)], r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
                "rt" => new RunTo(r.ReadInt64()),
                "rf" => new RunFinished(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), ReadEvents(r), r.ReadInt64()),
                "rx" => new RunFailed(r.ReadInt64(), r.ReadString()),
                "dl" => DrainLocal.Instance,
                "ld" => new LocalDrained(r.ReadInt32(), ReadEvents(r)),
                "nr" => new RegisterNmiUser(r.ReadString(), r.ReadInt32(), r.ReadBoolean()),
                "nu" => new UnregisterNmiUser(r.ReadString()),
                "nR" => new NmiUserRegistered(r.ReadString(), r.ReadInt32(), r.ReadInt32()),
                "nU" => new NmiUserUnregistered(r.ReadString()),
                "nx" => new NmiBrokerRefused(r.ReadString()),
                "ng" => GetNmiUsers.Instance,
                "nl" => ReadUsers(r),
                "Nw" => new NodeWindow(r.ReadInt64(), r.ReadInt64(), ReadEvents(r)),
                "Nd" => new NodeDone(r.ReadInt32(), ReadEvents(r), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
                "Nx" => DrainNode.Instance,
                "Cj" => new JoinRun(r.ReadString()),
                "Cr" => new JoinRefused(r.ReadString()),
                "Ca" => new AssignNode(r.ReadInt32(), r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadString()),
                "Cy" => new NodeReady(r.ReadInt32()),
                "Cg" => GetNodeFacts.Instance,
                "Cf" => new NodeFacts(r.ReadInt32(), ReadBytes(r), ReadEvents(r), r.ReadInt64()),
                "Ce" => EndRun.Instance,
                _ => throw new SerializationException($"ActorGicSerializer: unknown manifest \"{manifest}\" refused"),
            };
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException($"ActorGicSerializer: {bytes.Length - r.BaseStream.Position} trailing bytes after \"{manifest}\"");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            throw new SerializationException($"ActorGicSerializer: malformed \"{manifest}\" payload of {bytes.Length} bytes refused", e);
        }
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length is < 0 or > 1 << 30) throw new SerializationException($"ActorGicSerializer: {length} bytes refused");
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        return bytes;
    }

    private static NmiUsers ReadUsers(BinaryReader r)
    {
        int sgi = r.ReadInt32();
        int count = r.ReadInt32();
        if (count is < 0 or > NmiBroker.MaxUsers) throw new SerializationException($"ActorGicSerializer: {count} NMI users refused");
        var users = new List<NmiUser>(count);
        for (int i = 0; i < count; i++) users.Add(new NmiUser(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean()));
        return new NmiUsers(users, sgi);
    }

    private static void WriteEvents(BinaryWriter w, IReadOnlyCollection<SimEvent> events)
    {
        w.Write(events.Count);
        foreach (var e in events)
        {
            w.Write(e.Time); w.Write(e.Target); w.Write(e.Source); w.Write((long)e.Seq); w.Write((byte)e.Kind);
            w.Write(e.A); w.Write(e.B); w.Write(e.C); w.Write(e.D);
        }
    }

    private static SimEvent[] ReadEvents(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count is < 0 or > MaxEvents) throw new SerializationException($"ActorGicSerializer: event count {count} refused");
        if (count == 0) return [];
        var events = new SimEvent[count];
        for (int i = 0; i < count; i++)
        {
            events[i] = new SimEvent
            {
                Time = r.ReadInt64(),
                Target = r.ReadInt32(),
                Source = r.ReadInt32(),
                Seq = ReadSeq(r.ReadInt64()),
                Kind = ReadKind(r.ReadByte()),
                A = r.ReadInt32(),
                B = r.ReadInt32(),
                C = r.ReadInt64(),
                D = r.ReadInt64(),
            };
        }
        return events;
    }

    private static int ReadSeq(long seq) =>
        seq is >= 0 and <= int.MaxValue ? (int)seq : throw new SerializationException($"ActorGicSerializer: event sequence number {seq} refused");

    private static EventKind ReadKind(byte b) =>
        Enum.IsDefined((EventKind)b) ? (EventKind)b : throw new SerializationException($"ActorGicSerializer: unknown event kind {b} refused");
}
