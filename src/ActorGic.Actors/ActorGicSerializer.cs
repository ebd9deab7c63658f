using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using ActorGic.Engine;
using ActorGic.Kernel;

namespace ActorGic.Actors;

/// <summary>
/// Published on the receiving system's event stream when <see cref="ActorGicSerializer"/> refuses a
/// payload: Akka drops the message, so a keeper that was waiting for it ends the run with this
/// reason instead of waiting forever (see <see cref="NodeKeeperActor"/>, <see cref="RootKeeperActor"/>).
/// Local only: never sent between nodes.
/// </summary>
public sealed record PayloadRefused(string Manifest, int Bytes, string Reason);

/// <summary>
/// The binary serializer of the engine protocol, bound to <see cref="IActorGicMessage"/>: hand
/// written, a short string manifest per message, little-endian fields, events as fixed 49-byte
/// records (<see cref="EventBytes"/>). An unknown manifest or a malformed payload is refused with a SerializationException,
/// which Akka logs and drops: nothing is ever constructed from a type name on the wire.
/// <para>
/// Reading is defensive: every count and length (events, bytes, string lengths, users) is held
/// against the bytes that remain before anything is allocated, so a payload never makes the
/// receiver allocate more than a small multiple of its own size; anything but a whole, exact
/// message is a SerializationException, never another exception. The first refusal on a system is
/// logged (one line, no stack trace) and every refusal is published as <see cref="PayloadRefused"/>.
/// </para>
/// </summary>
public sealed class ActorGicSerializer : SerializerWithStringManifest
{
    public const int Id = 7_331;
    /// <summary>One event on the wire: time, target, source, sequence number, kind, A, B, C, D.</summary>
    public const int EventBytes = 8 + 4 + 4 + 8 + 1 + 4 + 4 + 8 + 8;
    /// <summary>
    /// A whole <see cref="PeerBatch"/>'s fields besides its events, in a run of <paramref name="nodes"/>: from, window, the event
    /// count, next time, the earliest time sent to each node (with their count), busy ticks, more.
    /// </summary>
    public static int PeerBatchHeaderBytes(int nodes) => 4 + 8 + 4 + 8 + 4 + 8 * nodes + 8 + 1;

    /// <summary>
    /// A <see cref="NodeStart"/>'s fields besides its events: end, each node's earliest time, the peers' paths, the event count,
    /// more, the <paramref name="lookaheads"/> lookaheads (each array with its count).
    /// </summary>
    public static int NodeStartHeaderBytes(int nodes, IEnumerable<string> peers, int lookaheads = 0) =>
        8 + 4 + 8 * nodes + 4 + peers.Sum(p => { int n = Encoding.UTF8.GetByteCount(p); return n + SevenBitBytes(n); }) + 4 + 1 + 4 + 8 * lookaheads;

    /// <summary>The bytes BinaryWriter takes for a string's length.</summary>
    private static int SevenBitBytes(int value)
    {
        int bytes = 1;
        for (uint v = (uint)value; v >= 0x80; v >>= 7) bytes++;
        return bytes;
    }
    /// <summary>The smallest NMI user on the wire: an empty name, priority, bit, never-returns.</summary>
    private const int MinUserBytes = 1 + 4 + 4 + 1;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private int _refusals;

    public ActorGicSerializer(ExtendedActorSystem system) : base(system)
    {
    }

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
        NodeStart => "Ns",
        PeerBatch => "Nb",
        NodeFinished => "Nf",
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
                case NodeStart m:
                    w.Write(m.End); WriteLongs(w, m.Earliest);
                    w.Write(m.Peers.Length);
                    foreach (var peer in m.Peers) w.Write(peer);
                    WriteEvents(w, m.Incoming); w.Write(m.More); WriteLongs(w, m.Lookahead);
                    break;
                case PeerBatch m:
                    w.Write(m.From); w.Write(m.Window); WriteEvents(w, m.Events); w.Write(m.NextTime); WriteLongs(w, m.EarliestSent); w.Write(m.BusyTicks);
                    w.Write(m.More);
                    break;
                case NodeFinished m:
                    w.Write(m.Node); w.Write(m.Windows); w.Write(m.Events); w.Write(m.ComponentRuns); w.Write(m.BusyTicks); WriteLongs(w, m.MessagesTo);
                    WriteLongs(w, m.EventsTo); w.Write(m.LargestBatch);
                    break;
                case DrainNode: break;
                case JoinRun m: w.Write(m.ConfigHash); break;
                case JoinRefused m: w.Write(m.Reason); break;
                case AssignNode m:
                    w.Write(m.Node); w.Write(m.Nodes); w.Write(m.ScenarioText); w.Write(m.ScenarioName); w.Write(m.Directory); w.Write(m.Seed);
                    w.Write(m.ScenarioHash);
                    break;
                case NodeReady m: w.Write(m.Node); break;
                case GetNodeFacts: break;
                case NodeFacts m:
                    w.Write(m.Node); w.Write(m.Facts.Length); w.Write(m.Facts); WriteEvents(w, m.Remaining); w.Write(m.PeakBytes); w.Write(m.More);
                    break;
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
            return Read(bytes, manifest);
        }
        catch (SerializationException e)
        {
            Refused(manifest, bytes.Length, e.Message);
            throw;
        }
    }

    private void Refused(string manifest, int length, string reason)
    {
        system.EventStream.Publish(new PayloadRefused(manifest, length, reason));
        if (Interlocked.Increment(ref _refusals) == 1)
            Logging.GetLogger(system, typeof(ActorGicSerializer)).Error("{0} (further refusals are not logged)", reason);
    }

    private static object Read(byte[] bytes, string manifest)
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
                "rx" => new RunFailed(r.ReadInt64(), ReadString(r)),
                "dl" => DrainLocal.Instance,
                "ld" => new LocalDrained(r.ReadInt32(), ReadEvents(r)),
                "nr" => new RegisterNmiUser(ReadString(r), r.ReadInt32(), ReadFlag(r)),
                "nu" => new UnregisterNmiUser(ReadString(r)),
                "nR" => new NmiUserRegistered(ReadString(r), r.ReadInt32(), r.ReadInt32()),
                "nU" => new NmiUserUnregistered(ReadString(r)),
                "nx" => new NmiBrokerRefused(ReadString(r)),
                "ng" => GetNmiUsers.Instance,
                "nl" => ReadUsers(r),
                "Ns" => new NodeStart(r.ReadInt64(), ReadLongs(r), ReadStrings(r), ReadEvents(r), ReadFlag(r), ReadLongs(r)),
                "Nb" => new PeerBatch(r.ReadInt32(), r.ReadInt64(), ReadEvents(r), r.ReadInt64(), ReadLongs(r), r.ReadInt64(), ReadFlag(r)),
                "Nf" => new NodeFinished(r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), ReadLongs(r), ReadLongs(r), r.ReadInt64()),
                "Nx" => DrainNode.Instance,
                "Cj" => new JoinRun(ReadString(r)),
                "Cr" => new JoinRefused(ReadString(r)),
                "Ca" => new AssignNode(r.ReadInt32(), r.ReadInt32(), ReadString(r), ReadString(r), ReadString(r), r.ReadInt64(), ReadString(r)),
                "Cy" => new NodeReady(r.ReadInt32()),
                "Cg" => GetNodeFacts.Instance,
                "Cf" => new NodeFacts(r.ReadInt32(), ReadBytes(r), ReadEvents(r), r.ReadInt64(), ReadFlag(r)),
                "Ce" => EndRun.Instance,
                _ => throw new SerializationException($"ActorGicSerializer: unknown manifest \"{Shown(manifest)}\" refused"),
            };
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException($"ActorGicSerializer: {bytes.Length - r.BaseStream.Position} trailing bytes after \"{manifest}\"");
            return message;
        }
        catch (Exception e) when (e is not SerializationException)
        {
            // Whatever a truncated or corrupted payload makes the reader throw (end of stream, a bad
            // 7-bit length, invalid UTF-8), the receiver sees one kind of refusal.
            throw new SerializationException($"ActorGicSerializer: malformed \"{Shown(manifest)}\" payload of {bytes.Length} bytes refused", e);
        }
    }

    /// <summary>A manifest as it may be shown in a log line: short, printable.</summary>
    private static string Shown(string manifest) =>
        manifest.Length <= 40 && manifest.All(c => c is >= ' ' and <= '~') ? manifest : $"({manifest.Length} characters)";

    /// <summary>The bytes left after the reader's position: what every count and length is held against.</summary>
    private static long Left(BinaryReader r) => r.BaseStream.Length - r.BaseStream.Position;

    private static SerializationException TooLong(string what, long count, long left) =>
        new($"ActorGicSerializer: {what} {count} refused: {left} bytes left");

    private static bool ReadFlag(BinaryReader r) => r.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new SerializationException($"ActorGicSerializer: flag byte {b} refused"),
    };

    /// <summary>BinaryWriter's string (7-bit length, UTF-8), its length checked before the characters are allocated.</summary>
    private static string ReadString(BinaryReader r)
    {
        int length = r.Read7BitEncodedInt();
        if (length < 0 || length > Left(r)) throw TooLong("string length", length, Left(r));
        return StrictUtf8.GetString(r.ReadBytes(length));
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > Left(r)) throw TooLong("byte array length", length, Left(r));
        return r.ReadBytes(length);
    }

    private static void WriteLongs(BinaryWriter w, long[] values)
    {
        w.Write(values.Length);
        foreach (long v in values) w.Write(v);
    }

    private static long[] ReadLongs(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > Left(r) / 8) throw TooLong("count of numbers", count, Left(r));
        var values = new long[count];
        for (int i = 0; i < count; i++) values[i] = r.ReadInt64();
        return values;
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > Left(r)) throw TooLong("count of strings", count, Left(r));
        var values = new string[count];
        for (int i = 0; i < count; i++) values[i] = ReadString(r);
        return values;
    }

    private static NmiUsers ReadUsers(BinaryReader r)
    {
        int sgi = r.ReadInt32();
        int count = r.ReadInt32();
        if (count is < 0 or > NmiBroker.MaxUsers || count > Left(r) / MinUserBytes) throw TooLong("NMI user count", count, Left(r));
        var users = new List<NmiUser>(count);
        for (int i = 0; i < count; i++) users.Add(new NmiUser(ReadString(r), r.ReadInt32(), r.ReadInt32(), ReadFlag(r)));
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
        if (count < 0 || count > Left(r) / EventBytes) throw TooLong("event count", count, Left(r));
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
