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
    /// <summary>A longer line is malformed: real ipi lines are under 300 characters. (Seconds have at most 9 digits, 31 years of uptime, so a time in ns fits a long.)</summary>
    public const int MaxLineChars = 4096;

    [GeneratedRegex(@"^\s*(?<task>.+?)-(?<pid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(?<cpu>\d+)\]\s+(?:[^\s:]{1,8}\s+)?(?<sec>\d{1,9})\.(?<frac>\d{1,9}):\s+(?<event>[A-Za-z0-9_]+):\s?(?<fields>.*)$", RegexOptions.CultureInvariant)]
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
        var reading = new Reading(kernel, options);
        string? line;
        while ((line = text.ReadLine()) is not null) reading.Line(line);
        return reading.Finish(name);
    }

    /// <summary>One read: the raises kept so far, the raises still waiting for an entry, the counts.</summary>
    private sealed class Reading(KernelProfile kernel, FtraceOptions options)
    {
        private readonly Dictionary<string, int> _labels = kernel.Ipis.ToDictionary(i => i.ProcLabel, i => i.Sgi, StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _events = new(StringComparer.Ordinal)
        {
            ["ipi_raise"] = 0,
            ["ipi_send_cpu"] = 0,
            ["ipi_send_cpumask"] = 0,
            ["ipi_entry"] = 0,
            ["ipi_exit"] = 0,
            ["other"] = 0,
        };
        private readonly SortedDictionary<string, long> _skipped = new(StringComparer.Ordinal) { ["malformed"] = 0, ["unknown_reason"] = 0, ["cpu_out_of_range"] = 0 };
        private readonly SortedDictionary<string, long> _outside = new(StringComparer.Ordinal);
        private readonly List<long> _times = new();
        private readonly List<int> _senders = new();
        private readonly List<int> _owners = new();
        private readonly List<int> _targetStart = [0];
        private readonly List<int> _targets = new();
        /// <summary>Raises not served yet, per (target CPU, owner): time, and whether the raise is replayed (its sample counts).</summary>
        private readonly Dictionary<long, Queue<(long Time, bool Replayed)>> _waiting = new();
        private readonly Dictionary<int, List<long>> _samples = new();
        private readonly List<int> _mask = new();
        private long _unmatchedEntries, _first = -1, _last = -1, _lineNo;
        private int _declaredCpus, _highest = -1;
        private int _limit = options.CpuLimit;

        private void Refuse(Bad bad, string reason)
        {
            if (!options.Skip) throw new LineException(_lineNo, reason);
            _skipped[bad switch { Bad.Malformed => "malformed", Bad.UnknownReason => "unknown_reason", _ => "cpu_out_of_range" }]++;
        }

        public void Line(string line)
        {
            _lineNo++;
            if (line.Length > MaxLineChars)
            {
                Refuse(Bad.Malformed, $"longer than {MaxLineChars} characters");
                return;
            }
            if (NoEvent().IsMatch(line))
            {
                Header(line);
                return;
            }
            var m = EventLine().Match(line);
            if (!m.Success)
            {
                Refuse(Bad.Malformed, $"not an ftrace event line (TASK-PID [CPU] FLAGS SECONDS: EVENT: FIELDS): \"{Excerpt(line)}\"");
                return;
            }
            if (!int.TryParse(m.Groups["cpu"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu))
            {
                Refuse(Bad.CpuOutOfRange, $"CPU {m.Groups["cpu"].Value} is out of range");
                return;
            }
            long time = long.Parse(m.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture) * 1_000_000_000
                        + long.Parse(m.Groups["frac"].Value.PadRight(9, '0'), CultureInfo.InvariantCulture);
            if (time < _last)
            {
                Refuse(Bad.Malformed, $"time {m.Groups["sec"].Value}.{m.Groups["frac"].Value} s is before the previous event's (ftrace lists events in time order)");
                return;
            }
            string ev = m.Groups["event"].Value;
            if (ev is not ("ipi_raise" or "ipi_send_cpu" or "ipi_send_cpumask" or "ipi_entry" or "ipi_exit"))
                _events["other"]++;
            else
            {
                if (cpu >= _limit)
                {
                    Refuse(Bad.CpuOutOfRange, $"CPU {cpu} is outside the topology (CPUs 0-{_limit - 1})");
                    return;
                }
                string fields = m.Groups["fields"].Value;
                bool taken = ev switch
                {
                    "ipi_raise" => Raise(cpu, time, fields),
                    "ipi_entry" or "ipi_exit" => Handler(ev, cpu, time, fields),
                    _ => Send(ev, fields),
                };
                if (!taken) return; // skipped
                _events[ev]++;
                _highest = Math.Max(_highest, cpu);
            }
            (_first, _last) = (_first < 0 ? time : _first, time);
        }

        /// <summary>A line that is no event; ftrace's header says how many CPUs the machine had (#P:N).</summary>
        private void Header(string line)
        {
            if (_declaredCpus > 0 || !line.TrimStart().StartsWith('#') || Processors().Match(line) is not { Success: true } p) return;
            if (int.TryParse(p.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 65536)
            {
                _declaredCpus = n;
                if (_limit == int.MaxValue) _limit = n;
            }
        }

        /// <summary>ipi_send_cpu / ipi_send_cpumask: checked and counted; the ipi_raise that follows is the send replayed.</summary>
        private bool Send(string ev, string fields)
        {
            if (SendFields().IsMatch(fields)) return true;
            Refuse(Bad.Malformed, $"{ev} without {(ev == "ipi_send_cpu" ? "cpu=N" : "cpumask=HEX")}: \"{Excerpt(fields)}\"");
            return false;
        }

        /// <summary>ipi_entry (serves the raises waiting for it) and ipi_exit.</summary>
        private bool Handler(string ev, int cpu, long time, string fields)
        {
            var h = HandlerFields().Match(fields);
            if (!h.Success)
            {
                Refuse(Bad.Malformed, $"{ev} without (REASON): \"{Excerpt(fields)}\"");
                return false;
            }
            if (!_labels.TryGetValue(h.Groups["reason"].Value, out int owner))
            {
                Refuse(Bad.UnknownReason, UnknownReason(h.Groups["reason"].Value, kernel));
                return false;
            }
            if (ev != "ipi_entry") return true;
            if (!_waiting.Remove(Key(cpu, owner), out var served))
            {
                _unmatchedEntries++;
                return true;
            }
            if (!_samples.TryGetValue(owner, out var list)) _samples[owner] = list = new List<long>();
            foreach (var (raisedAt, replayed) in served)
                if (replayed) list.Add(time - raisedAt);
            return true;
        }

        /// <summary>ipi_raise: kept when inside the window (else counted), and waiting for an entry on each target.</summary>
        private bool Raise(int cpu, long time, string fields)
        {
            var r = RaiseFields().Match(fields);
            if (!r.Success)
            {
                Refuse(Bad.Malformed, $"ipi_raise without target_mask=HEX,... (REASON): \"{Excerpt(fields)}\"");
                return false;
            }
            if (!_labels.TryGetValue(r.Groups["reason"].Value, out int owner))
            {
                Refuse(Bad.UnknownReason, UnknownReason(r.Groups["reason"].Value, kernel));
                return false;
            }
            if (ParseMask(r.Groups["mask"].Value, _mask) is { } maskError)
            {
                Refuse(Bad.Malformed, maskError);
                return false;
            }
            if (_mask[^1] >= _limit)
            {
                Refuse(Bad.CpuOutOfRange, $"target CPU {_mask[^1]} is outside the topology (CPUs 0-{_limit - 1})");
                return false;
            }
            long relative = time - (_first < 0 ? time : _first);
            bool replay = relative >= options.From && relative <= options.Until;
            if (replay)
            {
                _times.Add(relative - options.From);
                _senders.Add(cpu);
                _owners.Add(owner);
                _targets.AddRange(_mask);
                _targetStart.Add(_targets.Count);
            }
            else
            {
                string ipi = kernel.IpiOn(owner)!.Name;
                _outside[ipi] = _outside.GetValueOrDefault(ipi) + 1;
            }
            foreach (int target in _mask)
            {
                var key = Key(target, owner);
                if (!_waiting.TryGetValue(key, out var queue)) _waiting[key] = queue = new Queue<(long, bool)>();
                queue.Enqueue((time, replay));
            }
            _highest = Math.Max(_highest, _mask[^1]);
            return true;
        }

        public ReplayTrace Finish(string name)
        {
            var unmatched = new Dictionary<int, long>();
            foreach (var (key, queue) in _waiting)
            {
                int owner = (int)(key & 0xFF);
                long n = queue.Count(w => w.Replayed);
                if (n > 0) unmatched[owner] = unmatched.GetValueOrDefault(owner) + n;
            }
            int traceCpus = _declaredCpus > 0 ? Math.Max(_declaredCpus, _highest + 1) : Math.Max(1, _highest + 1);
            var bySender = new List<int>?[traceCpus];
            for (int i = 0; i < _senders.Count; i++) (bySender[_senders[i]] ??= new List<int>()).Add(i);
            var recorded = new SortedDictionary<string, RecordedLatency>(StringComparer.Ordinal);
            foreach (int owner in _samples.Keys.Union(unmatched.Keys))
            {
                var sorted = _samples.GetValueOrDefault(owner)?.ToArray() ?? [];
                Array.Sort(sorted);
                recorded[kernel.IpiOn(owner)!.Name] = new RecordedLatency(sorted, unmatched.GetValueOrDefault(owner));
            }
            return new ReplayTrace
            {
                Name = name,
                Cpus = traceCpus,
                Lines = _lineNo,
                Events = _events,
                Skipped = _skipped,
                OutsideWindow = _outside,
                Times = [.. _times],
                Senders = [.. _senders],
                Owners = [.. _owners],
                TargetStart = [.. _targetStart],
                Targets = [.. _targets],
                BySender = bySender.Select(l => l?.ToArray() ?? []).ToArray(),
                Recorded = recorded,
                UnmatchedEntries = _unmatchedEntries,
            };
        }
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
