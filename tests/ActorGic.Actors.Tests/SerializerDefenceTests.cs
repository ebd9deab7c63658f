using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The serializer reads defensively: every count and length is held against the bytes that remain
/// before anything is allocated, and a payload is either a whole message or a SerializationException,
/// never another exception and never an allocation the payload does not justify.
/// </summary>
public class SerializerDefenceTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    /// <summary>What one payload may make the reader allocate: the message (events grow from 49 to 48 bytes, twice for a list; a string's characters), and a refusal's exception.</summary>
    private static long Justified(int payload) => 64 * 1024 + 16L * payload;

    private ActorGicSerializer Serializer => (ActorGicSerializer)Sys.Serialization.FindSerializerFor(new RunTo(1));

    /// <summary>Every manifest with a valid payload: the messages of <see cref="SerializerTests.Messages"/>.</summary>
    private (string Manifest, byte[] Bytes)[] Valid()
    {
        var s = Serializer;
        return ((IEnumerable<object[]>)SerializerTests.Messages()).Select(row => (IActorGicMessage)row[0]).Select(m => (s.Manifest(m), s.ToBinary(m))).ToArray();
    }

    /// <summary>Reads a payload; anything but a message or a SerializationException fails, and so does an allocation beyond <see cref="Justified"/>.</summary>
    private static void ReadsOrRefuses(ActorGicSerializer s, byte[] bytes, string manifest)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            s.FromBinary(bytes, manifest);
        }
        catch (SerializationException)
        {
            // refused: what a malformed payload must give
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > Justified(bytes.Length))
            throw new InvalidOperationException($"\"{manifest}\": {bytes.Length} bytes made the reader allocate {allocated:N0} bytes");
    }

    private static byte[] Int(int value) => BitConverter.GetBytes(value);

    /// <summary>Payloads of a dozen bytes that claim huge counts or lengths: each used to allocate up to a gigabyte.</summary>
    public static TheoryData<string, byte[]> HugeClaims() => new()
    {
        { "Nb", [.. Int(1), .. new byte[8], .. Int(int.MaxValue), .. Int(0)] },
        { "Nb", [.. Int(1), .. new byte[8], .. Int(0), .. new byte[8], .. Int(1 << 24), .. Int(0)] },
        { "Ns", [.. new byte[8], .. Int(16_000_000)] },
        { "Ns", [.. new byte[8], .. Int(0), .. Int(1 << 24), .. Int(0)] },
        { "Nf", [.. Int(1), .. new byte[32], .. Int(1 << 24), .. Int(0)] },
        { "rw", [.. new byte[16], .. Int(1 << 24)] },
        { "wd", [.. Int(3), .. Int(1 << 24), .. Int(0)] },
        { "rf", [.. new byte[24], .. Int(1 << 24)] },
        { "ld", [.. Int(3), .. Int(1 << 24), .. Int(0)] },
        { "Cf", [.. Int(1), .. Int(1 << 30), .. Int(0)] },
        { "Cf", [.. Int(1), .. Int(0), .. Int(1 << 24)] },
        { "nl", [.. Int(3), .. Int(16), .. Int(0)] },
        { "rx", [.. new byte[8], 0xFF, 0xFF, 0xFF, 0xFF, 0x07] },
        { "Cj", [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3] },
        { "Ca", [.. Int(1), .. Int(2), 0xFE, 0xFF, 0xFF, 0xFF, 0x07, 1] },
        { "nr", [0x80, 0x80, 0x80, 0x80, 0x08] },
    };

    [Theory]
    [MemberData(nameof(HugeClaims))]
    public void A_count_or_length_beyond_the_remaining_bytes_is_refused_before_anything_is_allocated(string manifest, byte[] payload)
    {
        var s = Serializer;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SerializationException>(() => s.FromBinary(payload, manifest));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Justified(payload.Length), $"{allocated:N0} bytes allocated for a {payload.Length}-byte payload");
        Assert.StartsWith("ActorGicSerializer: ", e.Message);
    }

    [Fact]
    public void Refusals_name_what_was_refused()
    {
        var s = Serializer;
        Assert.Equal("ActorGicSerializer: event count 2147483647 refused: 4 bytes left",
            Assert.Throws<SerializationException>(() => s.FromBinary([.. Int(1), .. new byte[8], .. Int(int.MaxValue), .. Int(0)], "Nb")).Message);
        Assert.Equal("ActorGicSerializer: count of strings 16777216 refused: 4 bytes left",
            Assert.Throws<SerializationException>(() => s.FromBinary([.. new byte[8], .. Int(0), .. Int(1 << 24), .. Int(0)], "Ns")).Message);
        Assert.Equal("ActorGicSerializer: count of numbers 16777216 refused: 4 bytes left",
            Assert.Throws<SerializationException>(() => s.FromBinary([.. Int(1), .. new byte[32], .. Int(1 << 24), .. Int(0)], "Nf")).Message);
        Assert.Equal("ActorGicSerializer: byte array length 1073741824 refused: 4 bytes left",
            Assert.Throws<SerializationException>(() => s.FromBinary([.. Int(1), .. Int(1 << 30), .. Int(0)], "Cf")).Message);
        Assert.Equal("ActorGicSerializer: flag byte 2 refused",
            Assert.Throws<SerializationException>(() => s.FromBinary([0, .. Int(5), 2], "nr")).Message);
        Assert.Equal("ActorGicSerializer: malformed \"Cj\" payload of 3 bytes refused",
            Assert.Throws<SerializationException>(() => s.FromBinary([2, 0xC3, 0x28], "Cj")).Message); // invalid UTF-8
        Assert.Equal("ActorGicSerializer: unknown manifest \"(100 characters)\" refused",
            Assert.Throws<SerializationException>(() => s.FromBinary([], new string('\n', 100))).Message);
    }

    [Fact]
    public void A_refusal_is_published_every_time_and_logged_once()
    {
        var s = Serializer;
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(PayloadRefused));
        EventFilter.Error(contains: "(further refusals are not logged)").Expect(1, () =>
        {
            Assert.Throws<SerializationException>(() => s.FromBinary([1, 2, 3], "Nb"));
            Assert.Throws<SerializationException>(() => s.FromBinary([4, 5], "Ns"));
        });
        Assert.Equal(new PayloadRefused("Nb", 3, "ActorGicSerializer: malformed \"Nb\" payload of 3 bytes refused"), probe.ExpectMsg<PayloadRefused>());
        Assert.Equal("Ns", probe.ExpectMsg<PayloadRefused>().Manifest);
    }

    /// <summary>Random bytes under every manifest: a message or a refusal, never more allocation than the bytes justify.</summary>
    [Fact]
    public void Random_payloads_under_every_manifest_are_read_or_refused()
    {
        var s = Serializer;
        var manifests = Valid().Select(v => v.Manifest).Distinct().ToArray();
        Gen.Select(Gen.Int[0, manifests.Length - 1], Gen.Byte.Array[0, 160])
            .Sample((m, bytes) => ReadsOrRefuses(s, bytes, manifests[m]), iter: 20_000);
    }

    /// <summary>
    /// Valid payloads of every manifest, mutated: a byte changed, a 32-bit field (a count, a
    /// length, an id) set to an extreme or to just more than the bytes left, cut short, or extended.
    /// </summary>
    [Fact]
    public void Mutated_valid_payloads_under_every_manifest_are_read_or_refused()
    {
        var s = Serializer;
        var valid = Valid();
        int[] extremes = [int.MaxValue, int.MinValue, -1, 1 << 24, 1 << 30, 0x7F, 0xFF, 0x8000];
        var mutation = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Int, Gen.Byte.Array[1, 8]);
        mutation.Sample((index, kind, position, value, tail) =>
        {
            var (manifest, original) = valid[index];
            var bytes = (byte[])original.Clone();
            int at = bytes.Length == 0 ? 0 : position % bytes.Length;
            switch (kind)
            {
                case 0 when bytes.Length > 0:
                    bytes[at] ^= (byte)(1 + (value & 0x7F));
                    break;
                case 1 when bytes.Length >= 4:
                    at = Math.Min(at, bytes.Length - 4);
                    BitConverter.TryWriteBytes(bytes.AsSpan(at), extremes[(uint)value % extremes.Length]);
                    break;
                case 2 when bytes.Length >= 4:
                    at = Math.Min(at, bytes.Length - 4);
                    BitConverter.TryWriteBytes(bytes.AsSpan(at), (bytes.Length - at) / ActorGicSerializer.EventBytes + 1);
                    break;
                case 3:
                    bytes = bytes[..at];
                    break;
                default:
                    bytes = [.. bytes, .. tail];
                    break;
            }
            ReadsOrRefuses(s, bytes, manifest);
        }, iter: 20_000);
    }
}
