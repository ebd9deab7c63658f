using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorGic.Engine.Tests.Conformance;

/// <summary>
/// One captured boot of a real kernel (tests/captures/NAME, from ../shared/linux-captures): what
/// it wrote to the GIC and what it printed, read into the facts the suite compares. CPU numbers
/// are logical: QEMU's virt machine gives CPU i the MPIDR Aff1 = i / 16, Aff0 = i % 16.
/// </summary>
public sealed partial class Capture
{
    public const int CpusPerCluster = 16;

    public required string Name { get; init; }
    /// <summary>The kernel profile the capture's kernel belongs to (linux-6.1 or linux-6.12).</summary>
    public required string Profile { get; init; }
    public required bool PseudoNmi { get; init; }
    /// <summary>std (poweroff), panic (crash stop and restart) or hang (a CPU spins with IRQs masked, then panic).</summary>
    public required string Mode { get; init; }
    public required int Cpus { get; init; }
    /// <summary>The ICC_SGI1R_EL1 writes after the first /proc/interrupts table, with the phase each fell in.</summary>
    public required IReadOnlyList<SgiWrite> Writes { get; init; }
    /// <summary>Per redistributor (logical CPU): its private bank's SGIs as the last writes left them.</summary>
    public required IReadOnlyList<SgiBank> Banks { get; init; }
    /// <summary>Every ICC_PMR_EL1 value written, over the whole run (phases.json's counts).</summary>
    public required IReadOnlyDictionary<byte, long> PmrWrites { get; init; }
    /// <summary>Per CPU: the PMR values events.txt lists (the first 40 writes), in order.</summary>
    public required IReadOnlyList<IReadOnlyList<byte>> PmrFirst { get; init; }
    /// <summary>phases.json per phase (by marker name without its key=value words).</summary>
    public required IReadOnlyDictionary<string, Phase> Phases { get; init; }
    /// <summary>The /proc/interrupts IPI rows printed after each marker "IRQS NAME": [IPI n][CPU].</summary>
    public required IReadOnlyDictionary<string, long[][]> IpiTables { get; init; }
    /// <summary>The label of each IPI row (IPI n), as /proc/interrupts prints it.</summary>
    public required IReadOnlyList<string> IpiLabels { get; init; }
    /// <summary>Console lines between the markers of a phase (the kernel's timestamps removed).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> ConsoleByPhase { get; init; }
    /// <summary>The MPIDR each secondary CPU booted with ("CPU16: Booted secondary processor 0x0000000100").</summary>
    public required IReadOnlyDictionary<int, ulong> BootedMpidr { get; init; }

    public sealed record SgiWrite(string Phase, int Sender, ulong Value)
    {
        public int Intid => (int)((Value >> 24) & 0xF);
    }

    public sealed record SgiBank(uint Group, uint Enabled, byte[] Priority);

    /// <summary>One phase of phases.json: SGI writes and pendings per INTID, acknowledges per CPU and INTID.</summary>
    public sealed record Phase(IReadOnlyDictionary<int, long> SgiWrites, IReadOnlyDictionary<int, long> SgiPendings,
        IReadOnlyDictionary<int, IReadOnlyDictionary<int, long>> Acks);

    public static string Directory(string name) => Path.Combine(ScenarioLoaderTests.RepoRoot(), "tests", "captures", name);

    public static IReadOnlyList<string> Names() =>
        System.IO.Directory.GetDirectories(Path.Combine(ScenarioLoaderTests.RepoRoot(), "tests", "captures"))
            .Select(Path.GetFileName).Select(n => n!).Order(StringComparer.Ordinal).ToList();

    /// <summary>Logical CPU of an affinity as the capture prints it (hex Aff1.Aff0: "0x103" is CPU 19).</summary>
    public static int CpuOf(string affinity)
    {
        int aff = int.Parse(affinity.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (aff >> 8) * CpusPerCluster + (aff & 0xFF);
    }

    /// <summary>A marker's phase name: its words without the key=value ones ("POWEROFF-BEGIN uptime=44.58" is "POWEROFF-BEGIN").</summary>
    public static string PhaseName(string marker) => string.Join(' ', marker.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.Contains('=')));

    public static Capture Load(string name)
    {
        string dir = Directory(name);
        var meta = File.ReadAllText(Path.Combine(dir, "meta.txt"));
        string kernel = MetaField(meta, "kernel_arg");
        var (writes, banks, pmrFirst, cpus) = ReadEvents(Path.Combine(dir, "events.txt"), int.Parse(MetaField(meta, "n"), CultureInfo.InvariantCulture));
        var (phases, pmr) = ReadPhases(Path.Combine(dir, "phases.json"));
        var (tables, labels, console, mpidrs) = ReadConsole(Path.Combine(dir, "console.txt"));
        return new Capture
        {
            Name = name,
            Profile = kernel.StartsWith("6.12", StringComparison.Ordinal) ? "linux-6.12" : "linux-6.1",
            PseudoNmi = kernel.EndsWith("-pnmi", StringComparison.Ordinal),
            Mode = MetaField(meta, "mode"),
            Cpus = cpus,
            Writes = writes,
            Banks = banks,
            PmrWrites = pmr,
            PmrFirst = pmrFirst,
            Phases = phases,
            IpiTables = tables,
            IpiLabels = labels,
            ConsoleByPhase = console,
            BootedMpidr = mpidrs,
        };
    }

    internal static string MetaField(string meta, string key) =>
        Regex.Match(meta, $@"(?:^|\s){Regex.Escape(key)}=(\S+)") is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidDataException($"meta.txt has no {key}");

    private static ulong Hex(string s) => ulong.Parse(s.AsSpan(s.StartsWith("0x", StringComparison.Ordinal) ? 2 : 0), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static (List<SgiWrite>, List<SgiBank>, List<IReadOnlyList<byte>>, int) ReadEvents(string path, int cpus)
    {
        var writes = new List<SgiWrite>();
        var groups = new uint[cpus];
        var enabled = new uint[cpus];
        var priority = Enumerable.Range(0, cpus).Select(_ => new byte[16]).ToArray();
        var pmr = Enumerable.Range(0, cpus).Select(_ => new List<byte>()).ToArray();
        string phase = "boot";
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (f[0])
            {
                case "M":
                    phase = PhaseName(string.Join(' ', f.Skip(2)));
                    break;
                case "S":
                    // sender, INTID, IRM, target Aff3.Aff2.Aff1 (hex, a byte each), TargetList
                    ulong target = Hex(f[5]);
                    ulong value = Hex(f[6]) | (target & 0xFF) << 16 | Hex(f[3]) << 24 | (target >> 8 & 0xFF) << 32
                        | Hex(f[4]) << 40 | (target >> 16 & 0xFF) << 48;
                    writes.Add(new SgiWrite(phase, CpuOf(f[2]), value));
                    break;
                case "R":
                    // redistributor, offset, value, size: the SGI frame's IGROUPR0, ISENABLER0, ICENABLER0, IPRIORITYR.
                    int cpu = CpuOf(f[2]);
                    ulong offset = Hex(f[3]), v = Hex(f[4]);
                    int size = int.Parse(f[5], CultureInfo.InvariantCulture);
                    if (offset == 0x10080) groups[cpu] = (uint)v;
                    else if (offset == 0x10100) enabled[cpu] |= (uint)v;
                    else if (offset == 0x10180) enabled[cpu] &= ~(uint)v;
                    else if (offset is >= 0x10400 and < 0x10410)
                        for (int b = 0; b < size; b++) priority[cpu][(int)(offset - 0x10400) + b] = (byte)(v >> (8 * b));
                    break;
                case "P":
                    pmr[CpuOf(f[2])].Add((byte)Hex(f[3]));
                    break;
            }
        }
        var banks = Enumerable.Range(0, cpus).Select(c => new SgiBank(groups[c], enabled[c], priority[c])).ToList();
        return (writes, banks, pmr.Select(l => (IReadOnlyList<byte>)l).ToList(), cpus);
    }

    private static (Dictionary<string, Phase>, Dictionary<byte, long>) ReadPhases(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var phases = new Dictionary<string, Phase>();
        var pmr = new Dictionary<byte, long>();
        static Dictionary<int, long> ByIntid(JsonElement e) =>
            e.EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetInt64());
        foreach (var p in doc.RootElement.GetProperty("phases").EnumerateArray())
        {
            var acks = p.GetProperty("acks").EnumerateObject()
                .ToDictionary(c => CpuOf("0x" + c.Name), c => (IReadOnlyDictionary<int, long>)ByIntid(c.Value));
            phases[PhaseName(p.GetProperty("name").GetString()!)] = new Phase(ByIntid(p.GetProperty("sgi_writes")), ByIntid(p.GetProperty("sgi_pend")), acks);
            foreach (var v in p.GetProperty("pmr").EnumerateObject())
            {
                byte value = (byte)Hex(v.Name);
                pmr[value] = pmr.GetValueOrDefault(value) + v.Value.GetInt64();
            }
        }
        return (phases, pmr);
    }

    [GeneratedRegex(@"^IPI(\d+):((?:\s+\d+)+)\s+(\S.*?)\s*$")]
    private static partial Regex IpiRow();

    [GeneratedRegex(@"^\[\s*\d+\.\d+\]\s?")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"CPU(\d+): Booted secondary processor 0x([0-9a-f]+)")]
    private static partial Regex Booted();

    private static (Dictionary<string, long[][]>, List<string>, Dictionary<string, IReadOnlyList<string>>, Dictionary<int, ulong>) ReadConsole(string path)
    {
        var tables = new Dictionary<string, long[][]>();
        var labels = new List<string>();
        var console = new Dictionary<string, IReadOnlyList<string>>();
        var mpidrs = new Dictionary<int, ulong>();
        string phase = "boot";
        var lines = new List<string>();
        List<long[]>? table = null;
        console[phase] = lines;
        foreach (var raw in File.ReadLines(path))
        {
            if (raw.StartsWith("@@AG ", StringComparison.Ordinal))
            {
                string marker = raw[5..];
                phase = PhaseName(marker);
                console[phase] = lines = new List<string>();
                if (marker.StartsWith("IRQS ", StringComparison.Ordinal)) table = new List<long[]>();
                else if (table is not null && marker.StartsWith("IRQS-END ", StringComparison.Ordinal))
                {
                    tables[marker[9..]] = [.. table];
                    table = null;
                }
                continue;
            }
            if (table is not null && IpiRow().Match(raw) is { Success: true } row)
            {
                table.Add(row.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray());
                int ipi = int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture);
                if (labels.Count == ipi) labels.Add(row.Groups[3].Value);
                continue;
            }
            if (Booted().Match(raw) is { Success: true } booted)
                mpidrs[int.Parse(booted.Groups[1].Value, CultureInfo.InvariantCulture)] = Hex(booted.Groups[2].Value);
            lines.Add(Timestamp().Replace(raw, ""));
        }
        return (tables, labels, console, mpidrs);
    }
}
