using System.Globalization;
using System.Text.RegularExpressions;
using ActorGic.Engine;
using ActorGic.Kernel;

namespace ActorGic.Scenarios;

/// <summary>What a replay asks of the trace: where CPUs end, whether bad lines are skipped, the window.</summary>
public sealed record FtraceOptions
{
    /// <summary>A CPU (the [NNN] column of an ipi_* event, or a target) at or above this is out of range.</summary>
    public int CpuLimit { get; init; } = int.MaxValue;
    /// <summary>Skip (and count) malformed lines, unknown reasons and CPUs out of range instead of refusing the trace.</summary>
    public bool Skip { get; init; }
    /// <summary>The replayed window, in ns after the trace's first event: raises outside it are counted, not sent.</summary>
    public long From { get; init; }
    public long Until { get; init; } = long.MaxValue;
}

/// <summary>
/// Reads ftrace's text output (<c>cat /sys/kernel/tracing/trace</c>, or <c>trace-cmd report</c>)
/// of the <c>ipi</c> events into a <see cref="ReplayTrace"/>, one line at a time, keeping only the
/// raises and the latency samples. A line is <c>TASK-PID [(TGID)] [CPU] [FLAGS] SECONDS.FRACTION:
/// EVENT: FIELDS</c>; comment lines (<c>#</c>), blank lines and trace-cmd's <c>cpus=N</c>,
/// <c>version = N</c> and <c>CPU N is empty</c> lines are no events. Events:
/// <list type="bullet">
/// <item><c>ipi_raise: target_mask=HEX,HEX (REASON)</c>: replayed; REASON is the IPI's
/// /proc/interrupts label in the profile ("Rescheduling interrupts" is RESCHEDULE).</item>
/// <item><c>ipi_send_cpu</c>, <c>ipi_send_cpumask</c> (6.3 on): counted, not replayed: on arm64
/// each is followed by the <c>ipi_raise</c> of the same send, which is the one replayed (a send
/// counts once, and only the raise names the IPI).</item>
/// <item><c>ipi_entry: (REASON)</c>: the handler's entry on the CPU in brackets; it serves every
/// raise of that REASON to that CPU traced before it and not served yet (in line order), each a
/// recorded latency sample (entry time - raise time), as the model's latency runs from a request
/// to the entry of the handler run that served it. Raises no entry serves are counted unmatched,
/// as are entries no raise waited for.</item>
/// <item><c>ipi_exit</c> and any other event: counted.</item>
/// </list>
/// Times must not go backwards (ftrace merges its per-CPU buffers in time order).
/// </summary>
public static partial class FtraceReader
{
    /// <summary>A longer line is malformed: real ipi lines are under 300 characters.</summary>
    public const int MaxLineChars = 4096;

    [GeneratedRegex(@"^\s*(?<task>.+?)-(?<pid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(?<cpu>\d+)\]\s+(?:[^\s:]{1,8}\s+)?(?<sec>\d{1,10})\.(?<frac>\d{1,9}):\s+(?<event>[A-Za-z0-9_]+):\s?(?<fields>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EventLine();

    [GeneratedRegex(@"^\s*target_mask=(?<mask>[0-9a-fA-F]{1,8}(?:,[0-9a-fA-F]{1,8})*)\s+\((?<reason>[^()]+)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RaiseFields();

    [GeneratedRegex(@"^\s*\((?<reason>[^()]+)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HandlerFields();

    [GeneratedRegex(@"^\s*(?:cpu=\d+|cpumask=[0-9a-fA-F]{1,8}(?:,[0-9a-fA-F]{1,8})*)(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex SendFields();

    [GeneratedRegex(@"^(?:\s*$|\s*#|cpus=\d+\s*$|version\s*=\s*\d+\s*$|CPU \d+ is empty\s*$)", RegexOptions.CultureInvariant)]
    private static partial Regex NoEvent();

    [GeneratedRegex(@"#P:(?<n>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Processors();

    /// <summary>A bad line: the line's number and what is wrong, for the caller to put behind its path.</summary>
    public sealed class LineException(long line, string reason) : Exception($"line {line}: {reason}")
    {
        public long Line { get; } = line;
        public string Reason { get; } = reason;
    }

    private enum Bad { Malformed, UnknownReason, CpuOutOfRange }

    /// <summary>Reads <paramref name="text"/> (named <paramref name="name"/>) against <paramref name="kernel"/>'s labels; a bad line throws <see cref="LineException"/> unless skipped.</summary>
    public static ReplayTrace Read(TextReader text, string name, KernelProfile kernel, FtraceOptions options)
    {
        var labels = kernel.Ipis.ToDictionary(i => i.ProcLabel, i => i.Sgi, StringComparer.Ordinal);
        var events = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["ipi_raise"] = 0, ["ipi_send_cpu"] = 0, ["ipi_send_cpumask"] = 0, ["ipi_entry"] = 0, ["ipi_exit"] = 0, ["other"] = 0,
        };
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["malformed"] = 0, ["unknown_reason"] = 0, ["cpu_out_of_range"] = 0 };
        var outside = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var times = new List<long>();
        var senders = new List<int>();
        var owners = new List<int>();
        var targetStart = new List<int> { 0 };
        var targets = new List<int>();
        var waiting = new Dictionary<long, Queue<(long Time, bool Replayed)>>();
        var samples = new Dictionary<int, List<long>>();
        var unmatched = new Dictionary<int, long>();
        long unmatchedEntries = 0;
        int declaredCpus = 0, highest = -1;
        long first = -1, last = -1, lineNo = 0;
        int limit = options.CpuLimit;
        var mask = new List<int>();

        void Refuse(Bad bad, string reason)
        {
            if (!options.Skip) throw new LineException(lineNo, reason);
            skipped[bad switch { Bad.Malformed => "malformed", Bad.UnknownReason => "unknown_reason", _ => "cpu_out_of_range" }]++;
        }

        string? line;
        while ((line = text.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length > MaxLineChars)
            {
                Refuse(Bad.Malformed, $"longer than {MaxLineChars} characters");
                continue;
            }
            if (NoEvent().IsMatch(line))
            {
                if (line.TrimStart().StartsWith('#') && Processors().Match(line) is { Success: true } p && declaredCpus == 0)
                    declaredCpus = int.TryParse(p.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 65536 ? n : 0;
                if (declaredCpus > 0 && limit == int.MaxValue) limit = declaredCpus;
                continue;
            }
            var m = EventLine().Match(line);
            if (!m.Success)
            {
                Refuse(Bad.Malformed, $"not an ftrace event line (TASK-PID [CPU] FLAGS SECONDS: EVENT: FIELDS): \"{Excerpt(line)}\"");
                continue;
            }
            if (!int.TryParse(m.Groups["cpu"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu))
            {
                Refuse(Bad.CpuOutOfRange, $"CPU {m.Groups["cpu"].Value} is out of range");
                continue;
            }
            long time = long.Parse(m.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture) * 1_000_000_000
                        + long.Parse(m.Groups["frac"].Value.PadRight(9, '0'), CultureInfo.InvariantCulture);
            if (time < last)
            {
                Refuse(Bad.Malformed, $"time {m.Groups["sec"].Value}.{m.Groups["frac"].Value} s is before the previous event's (ftrace lists events in time order)");
                continue;
            }
            string ev = m.Groups["event"].Value;
            string fields = m.Groups["fields"].Value;
            if (!ev.StartsWith("ipi_", StringComparison.Ordinal) || ev is not ("ipi_raise" or "ipi_send_cpu" or "ipi_send_cpumask" or "ipi_entry" or "ipi_exit"))
            {
                (first, last) = (first < 0 ? time : first, time);
                events["other"]++;
                continue;
            }
            if (cpu >= limit)
            {
                Refuse(Bad.CpuOutOfRange, $"CPU {cpu} is outside the topology (CPUs 0-{limit - 1})");
                continue;
            }
            switch (ev)
            {
                case "ipi_send_cpu":
                case "ipi_send_cpumask":
                    if (!SendFields().IsMatch(fields))
                    {
                        Refuse(Bad.Malformed, $"{ev} without {(ev == "ipi_send_cpu" ? "cpu=N" : "cpumask=HEX")}: \"{Excerpt(fields)}\"");
                        continue;
                    }
                    break;
                case "ipi_entry":
                case "ipi_exit":
                {
                    var h = HandlerFields().Match(fields);
                    if (!h.Success)
                    {
                        Refuse(Bad.Malformed, $"{ev} without (REASON): \"{Excerpt(fields)}\"");
                        continue;
                    }
                    if (!labels.TryGetValue(h.Groups["reason"].Value, out int owner))
                    {
                        Refuse(Bad.UnknownReason, UnknownReason(h.Groups["reason"].Value, kernel));
                        continue;
                    }
                    if (ev == "ipi_entry")
                    {
                        if (waiting.Remove(Key(cpu, owner), out var served) && served.Count > 0)
                        {
                            var list = samples.TryGetValue(owner, out var l) ? l : samples[owner] = new List<long>();
                            foreach (var (raisedAt, replayed) in served)
                                if (replayed) list.Add(time - raisedAt);
                        }
                        else unmatchedEntries++;
                    }
                    break;
                }
                case "ipi_raise":
                {
                    var r = RaiseFields().Match(fields);
                    if (!r.Success)
                    {
                        Refuse(Bad.Malformed, $"ipi_raise without target_mask=HEX,... (REASON): \"{Excerpt(fields)}\"");
                        continue;
                    }
                    if (!labels.TryGetValue(r.Groups["reason"].Value, out int owner))
                    {
                        Refuse(Bad.UnknownReason, UnknownReason(r.Groups["reason"].Value, kernel));
                        continue;
                    }
                    if (ParseMask(r.Groups["mask"].Value, mask) is { } maskError)
                    {
                        Refuse(Bad.Malformed, maskError);
                        continue;
                    }
                    if (mask[^1] >= limit)
                    {
                        Refuse(Bad.CpuOutOfRange, $"target CPU {mask[^1]} is outside the topology (CPUs 0-{limit - 1})");
                        continue;
                    }
                    long relative = time - (first < 0 ? time : first);
                    bool replay = relative >= options.From && relative <= options.Until;
                    if (replay)
                    {
                        times.Add(relative - options.From);
                        senders.Add(cpu);
                        owners.Add(owner);
                        targets.AddRange(mask);
                        targetStart.Add(targets.Count);
                    }
                    else
                    {
                        string ipi = kernel.IpiOn(owner)!.Name;
                        outside[ipi] = outside.GetValueOrDefault(ipi) + 1;
                    }
                    foreach (int target in mask)
                    {
                        var key = Key(target, owner);
                        if (!waiting.TryGetValue(key, out var queue)) waiting[key] = queue = new Queue<(long, bool)>();
                        queue.Enqueue((time, replay));
                    }
                    highest = Math.Max(highest, mask[^1]);
                    break;
                }
            }
            events[ev]++;
            highest = Math.Max(highest, cpu);
            (first, last) = (first < 0 ? time : first, time);
        }
        foreach (var (key, queue) in waiting)
        {
            int owner = (int)(key & 0xFF);
            long n = queue.Count(w => w.Replayed);
            if (n > 0) unmatched[owner] = unmatched.GetValueOrDefault(owner) + n;
        }
        int traceCpus = declaredCpus > 0 ? Math.Max(declaredCpus, highest + 1) : Math.Max(1, highest + 1);
        var bySender = new List<int>[traceCpus];
        for (int i = 0; i < senders.Count; i++) (bySender[senders[i]] ??= new List<int>()).Add(i);
        var recorded = new SortedDictionary<string, RecordedLatency>(StringComparer.Ordinal);
        foreach (int owner in samples.Keys.Union(unmatched.Keys))
        {
            var sorted = samples.GetValueOrDefault(owner)?.ToArray() ?? [];
            Array.Sort(sorted);
            recorded[kernel.IpiOn(owner)!.Name] = new RecordedLatency(sorted, unmatched.GetValueOrDefault(owner));
        }
        return new ReplayTrace
        {
            Name = name,
            Cpus = traceCpus,
            Lines = lineNo,
            Events = events,
            Skipped = skipped,
            OutsideWindow = outside,
            Times = [.. times],
            Senders = [.. senders],
            Owners = [.. owners],
            TargetStart = [.. targetStart],
            Targets = [.. targets],
            BySender = bySender.Select(l => l?.ToArray() ?? []).ToArray(),
            Recorded = recorded,
            UnmatchedEntries = unmatchedEntries,
        };
    }

    private static long Key(int cpu, int owner) => (long)cpu << 8 | (uint)owner;

    private static string UnknownReason(string reason, KernelProfile kernel) =>
        $"reason \"{reason}\" is no IPI of {kernel.Name} (its /proc/interrupts labels: {string.Join(", ", kernel.Ipis.Select(i => $"\"{i.ProcLabel}\""))})";

    /// <summary>A cpumask as ftrace prints it (32-bit hex words, most significant first) into ascending CPUs; an error, or null.</summary>
    private static string? ParseMask(string text, List<int> cpus)
    {
        cpus.Clear();
        var words = text.Split(',');
        if (words.Length > 2048) return $"target_mask has {words.Length} words: more than 65,536 CPUs";
        for (int w = words.Length - 1; w >= 0; w--)
        {
            uint word = uint.Parse(words[w], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int @base = (words.Length - 1 - w) * 32;
            for (; word != 0; word &= word - 1) cpus.Add(@base + System.Numerics.BitOperations.TrailingZeroCount(word));
        }
        return cpus.Count == 0 ? "ipi_raise with an empty target_mask" : null;
    }

    private static string Excerpt(string text)
    {
        var t = text.Trim();
        return t.Length > 80 ? t[..80] + "..." : t;
    }
}
