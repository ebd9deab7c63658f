using System.Runtime.InteropServices;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic compare A.json B.json: two reports side by side, asserted whole; and every input it refuses, in one line.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-compare").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Golden(string name) => Path.Combine(RunCommandTests.RepoRoot(), "tests", "golden", name);

    private string Compare(int expectedExit, params string[] args)
    {
        var (exit, output, error) = Run(["compare", .. args]);
        Assert.Equal((expectedExit, ""), (exit, error));
        // The digests are the reports' own (the golden tests pin them): named, not spelled out, so a model
        // change that rewrites the goldens does not rewrite these outputs too.
        string Digest(string file) => System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("digest").GetString()!;
        string a = Digest(args[0]), b = Digest(args[1]);
        output = output.Replace(a, "DIGEST-A").Replace(a[..16], "DIGEST-A").Replace(b, "DIGEST-B").Replace(b[..16], "DIGEST-B");
        return output.Replace(RunCommandTests.RepoRoot(), "REPO").Replace(_dir, "DIR").TrimEnd('\n');
    }

    /// <summary>
    /// The maintainer's question: the same backtrace with pseudo-NMI off. The hung CPU's request
    /// stays pending, a delivery is missing, and the three NMI SGIs are no longer NMIs.
    /// --fail-on-change makes the difference exit 1.
    /// </summary>
    [Fact]
    public void Pseudo_nmi_off_shows_the_pending_backtrace_and_the_nmi_sgis_that_changed()
    {
        Assert.Equal(""""
A: REPO/tests/golden/backtrace-hung-cpu.json
   backtrace with a hung CPU (pseudo-NMI), seed 1, engine reference, 16 CPUs, 200 us virtual, invariants ok
B: REPO/tests/golden/backtrace-hung-cpu-nmi-none.json
   backtrace with a hung CPU (no NMI), seed 1, engine reference, 16 CPUs, 200 us virtual, invariants ok
digest: differs (A DIGEST-A..., B DIGEST-B...)

  totals        A    B    change
──────────────────────────────────────
  sgi_writes    2    2    0
  sgi_targets   15   15   0
  sent          15   15   0
  coalesced     0    0    0
  delivered     15   14   -1 (-6.7%)
  dropped       0    0    0
  pending       0    1    +1
  lost          0    0    0


  requests        requested A   requested B   change   sgi_sent A   sgi_sent B   handled A   handled B   pending A   pending B   lost A   lost B
──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  CPU_BACKTRACE   15            15            0        15           15           15          14          0           1           0        0

not sent in either: RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, KGDB_ROUNDUP

  latency         count A   count B   p50 A    p50 B    change   p99 A     p99 B     change   max A    max B    change
────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  CPU_BACKTRACE   15        14        155 ns   155 ns   0        (n<100)   (n<100)            155 ns   155 ns   0


  SGI   owner A         nmi A   mode A      carries A   owner B         nmi B   mode B      carries B
───────────────────────────────────────────────────────────────────────────────────────────────────────
    0   RESCHEDULE      no      dedicated               RESCHEDULE      no      dedicated
    1   CALL_FUNC       no      dedicated               CALL_FUNC       no      dedicated
    2   CPU_STOP        no      dedicated               CPU_STOP        no      dedicated
  * 3   CPU_STOP_NMI    yes     dedicated               CPU_STOP_NMI    no      dedicated
    4   TIMER           no      dedicated               TIMER           no      dedicated
    5   IRQ_WORK        no      dedicated               IRQ_WORK        no      dedicated
  * 6   CPU_BACKTRACE   yes     dedicated               CPU_BACKTRACE   no      dedicated
  * 7   KGDB_ROUNDUP    yes     dedicated               KGDB_ROUNDUP    no      dedicated

* the SGI's row differs between A and B
SGIs 8-15: firmware in both
"""", Compare(1, Golden("backtrace-hung-cpu.json"), Golden("backtrace-hung-cpu-nmi-none.json"), "--fail-on-change"));
    }

    /// <summary>
    /// The performance engineer's question: the 256-CPU storm with interleaved numbering against the
    /// golden contiguous run. Latencies with enough samples show their p99 and its change.
    /// </summary>
    [Fact]
    public void Interleaved_numbering_against_contiguous_shows_latency_changes()
    {
        string report = Path.Combine(_dir, "interleaved.json");
        var run = Run("run", Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", "ipi-storm-256.conf"), "--engine", "reference",
            "--set", "topology.numbering=interleaved", "--report", report);
        Assert.Equal(0, run.Exit);
        Assert.Equal(""""
A: REPO/tests/golden/ipi-storm-256.json
   reschedule and call-function storm, 256 CPUs, seed 11, engine reference, 256 CPUs, 250 us virtual, invariants ok
B: DIR/interleaved.json
   reschedule and call-function storm, 256 CPUs, seed 11, engine reference, 256 CPUs, 250 us virtual, invariants ok
digest: differs (A DIGEST-A..., B DIGEST-B...)

  totals        A       B       change
─────────────────────────────────────────────
  sgi_writes    28543   28545   +2 (+0.01%)
  sgi_targets   28543   28545   +2 (+0.01%)
  sent          28543   28545   +2 (+0.01%)
  coalesced     724     731     +7 (+1.0%)
  delivered     27819   27814   -5 (-0.02%)
  dropped       0       0       0
  pending       0       0       0
  lost          0       0       0


  requests     requested A   requested B   change   sgi_sent A   sgi_sent B   handled A   handled B   pending A   pending B   lost A   lost B
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  RESCHEDULE   15394         15394         0        15394        15394        15394       15394       0           0           0        0
  CALL_FUNC    15345         15345         0        13147        13149        15345       15345       0           0           0        0
  IRQ_WORK     2             2             0        2            2            2           2           0           0           0        0

not sent in either: CPU_STOP, CPU_STOP_NMI, TIMER, CPU_BACKTRACE, KGDB_ROUNDUP

  latency      count A   count B   p50 A    p50 B    change   p99 A      p99 B      change           max A       max B        change
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  RESCHEDULE   15394     15394     450 ns   450 ns   0        1.047 us   1.046 us   -1 ns (-0.10%)   100.74 us   100.566 us   -174 ns (-0.2%)
  CALL_FUNC    15345     15345     710 ns   710 ns   0        1.166 us   1.138 us   -28 ns (-2.4%)   85.001 us   85.001 us    0
  IRQ_WORK     2         2         150 ns   150 ns   0        (n<100)    (n<100)                     150 ns      150 ns       0


  SGI (same in A and B)   owner           nmi   mode        carries
─────────────────────────────────────────────────────────────────────
  0                       RESCHEDULE      no    dedicated
  1                       CALL_FUNC       no    dedicated
  2                       CPU_STOP        no    dedicated
  3                       CPU_STOP_NMI    yes   dedicated
  4                       TIMER           no    dedicated
  5                       IRQ_WORK        no    dedicated
  6                       CPU_BACKTRACE   yes   dedicated
  7                       KGDB_ROUNDUP    yes   dedicated

SGIs 8-15: firmware in both
"""", Compare(0, Golden("ipi-storm-256.json"), report));
    }

    /// <summary>
    /// The kernel developer's question: her NMI user with the era's NMI IPIs moved onto the broker
    /// (kernel.nmi-mux = on, the golden run) against without. The NMI users' rows, the IPIs that
    /// came back, what her user's latency pays, and the SGI table that moved.
    /// </summary>
    [Fact]
    public void Nmi_mux_off_shows_the_nmi_users_and_the_sgi_table_that_moved()
    {
        string report = Path.Combine(_dir, "mux-off.json");
        var run = Run("run", Path.Combine(RunCommandTests.RepoRoot(), "hocon", "scenarios", "nmi-mux-four-users.conf"), "--engine", "reference",
            "--set", "kernel.nmi-mux=off", "--report", report);
        Assert.Equal(0, run.Exit);
        Assert.Equal(""""
A: REPO/tests/golden/nmi-mux-four-users.json
   four NMI users on one SGI, hung CPU, seed 3, engine reference, 16 CPUs, 1.5 s virtual, invariants ok
B: DIR/mux-off.json
   four NMI users on one SGI, hung CPU, seed 3, engine reference, 16 CPUs, 1.5 s virtual, invariants ok
digest: differs (A DIGEST-A..., B DIGEST-B...)

  totals        A    B    change
────────────────────────────────────────
  sgi_writes    20   19   -1 (-5.0%)
  sgi_targets   50   49   -1 (-2.0%)
  sent          50   49   -1 (-2.0%)
  coalesced     3    0    -3 (-100.0%)
  delivered     46   48   +2 (+4.3%)
  dropped       0    0    0
  pending       1    1    0
  lost          0    0    0


  requests           requested A   requested B   change          sgi_sent A   sgi_sent B   handled A   handled B   pending A   pending B   lost A   lost B
────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  CPU_STOP           15            15            0               15           15           14          14          1           1           0        0
  CPU_STOP_NMI       0             1             +1              0            1            0           1           0           0           0        0
  CPU_BACKTRACE      0             15            +15             0            15           0           15          0           0           0        0
  KGDB_ROUNDUP       0             15            +15             0            15           0           15          0           0           0        0
  nmi:backtrace      15            0             -15 (-100.0%)   15           0            15          0           0           0           0        0
  nmi:kgdb-roundup   15            0             -15 (-100.0%)   15           0            15          0           0           0           0        0
  nmi:cpu-stop       1             0             -1 (-100.0%)    1            0            1           0           0           0           0        0
  nmi:cpu-pause      4             4             0               4            3            4           4           0           0           0        0

not sent in either: RESCHEDULE, CALL_FUNC, TIMER, IRQ_WORK

  latency            count A   count B   p50 A    p50 B     change                 p99 A     p99 B     change   max A      max B     change
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  CPU_STOP           14        14        150 ns   150 ns    0                      (n<100)   (n<100)            150 ns     150 ns    0
  CPU_STOP_NMI       -         1         -        150 ns                           -         (n<100)            -          150 ns
  CPU_BACKTRACE      -         15        -        150 ns                           -         (n<100)            -          150 ns
  KGDB_ROUNDUP       -         15        -        150 ns                           -         (n<100)            -          150 ns
  nmi:backtrace      15        -         270 ns   -                                (n<100)   -                  270 ns     -
  nmi:kgdb-roundup   15        -         270 ns   -                                (n<100)   -                  270 ns     -
  nmi:cpu-stop       1         -         270 ns   -                                (n<100)   -                  270 ns     -
  nmi:cpu-pause      4         4         270 ns   20.2 us   +19.93 us (+7381.5%)   (n<100)   (n<100)            18.86 us   20.2 us   +1.34 us (+7.1%)


  SGI   owner A      nmi A   mode A      carries A                                   owner B         nmi B   mode B      carries B
────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
    0   RESCHEDULE   no      dedicated                                               RESCHEDULE      no      dedicated
  * 1   CALL_FUNC    no      dedicated                                               CALL_FUNC       no      ipi-mux     IRQ_WORK
    2   CPU_STOP     no      dedicated                                               CPU_STOP        no      dedicated
  * 3   nmi-broker   yes     nmi-mux     backtrace,kgdb-roundup,cpu-stop,cpu-pause   CPU_STOP_NMI    yes     dedicated
    4   TIMER        no      dedicated                                               TIMER           no      dedicated
  * 5   IRQ_WORK     no      dedicated                                               nmi-broker      yes     nmi-mux     backtrace,kgdb-roundup,cpu-stop,cpu-pause
  * 6   -            no      free                                                    CPU_BACKTRACE   yes     dedicated
  * 7   -            no      free                                                    KGDB_ROUNDUP    yes     dedicated

* the SGI's row differs between A and B
SGIs 8-15: firmware in both
"""", Compare(0, Golden("nmi-mux-four-users.json"), report));
    }

    [Fact]
    public void A_report_against_itself_has_the_same_digest_and_one_sgi_table()
    {
        Assert.Equal(""""
A: REPO/tests/golden/self-sgi.json
   self SGI, seed 1, engine reference, 8 CPUs, 20 us virtual, invariants ok
B: REPO/tests/golden/self-sgi.json
   self SGI, seed 1, engine reference, 8 CPUs, 20 us virtual, invariants ok
digest: the same in A and B (DIGEST-A): the runs behaved alike

  totals        A   B   change
────────────────────────────────
  sgi_writes    1   1   0
  sgi_targets   1   1   0
  sent          1   1   0
  coalesced     0   0   0
  delivered     1   1   0
  dropped       0   0   0
  pending       0   0   0
  lost          0   0   0


  latency   count A   count B   p50 A    p50 B    change   p99 A     p99 B     change   max A    max B    change
──────────────────────────────────────────────────────────────────────────────────────────────────────────────────
  SGI1      1         1         150 ns   150 ns   0        (n<100)   (n<100)            150 ns   150 ns   0

SGI table: the same in A and B
SGIs 0-15: free in both
"""", Compare(0, Golden("self-sgi.json"), Golden("self-sgi.json"), "--fail-on-change"));
    }

    private void Refused(string expected, string a, string? b = null)
    {
        var (exit, output, error) = Run("compare", a, b ?? Golden("self-sgi.json"));
        Assert.Equal((2, "", $"actorgic: {expected}\n"), (exit, output, error.Replace(_dir, "DIR")));
    }

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void A_missing_file_is_refused() => Refused("DIR/none.json: no such file", Path.Combine(_dir, "none.json"));

    [Fact]
    public void A_directory_is_refused() => Refused("DIR: is a directory, not a report", _dir);

    [Fact]
    public void A_fifo_is_refused_without_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = Path.Combine(_dir, "fifo.json");
        Assert.Equal(0, MakeFifo(fifo, 0x180));
        Refused("DIR/fifo.json: is a FIFO, not a regular file", Golden("self-sgi.json"), fifo);
    }

    [Fact]
    public void A_device_is_refused()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (exit, _, error) = Run("compare", "/dev/zero", Golden("self-sgi.json"));
        Assert.Equal((2, "actorgic: /dev/zero: is a character device, not a regular file\n"), (exit, error));
    }

    [Fact]
    public void A_file_that_is_not_json_is_refused() =>
        Refused("DIR/r.json: not JSON at line 2, byte 3", Write("r.json", "{\n  scenario: 1 }"));

    [Fact]
    public void Json_that_is_not_an_object_is_refused() =>
        Refused("DIR/r.json: the JSON is a list, not a report object", Write("r.json", "[1, 2]"));

    [Fact]
    public void Json_that_is_not_a_report_is_refused() =>
        Refused("DIR/r.json: not an ActorGic report (no \"scenario\" and \"complete\")", Write("r.json", "{ \"name\": \"x\" }"));

    [Fact]
    public void A_report_of_a_run_that_did_not_finish_is_refused() =>
        Refused("DIR/r.json: the run did not finish (\"complete\": false, reached 128.638 us): nothing to compare",
            Write("r.json", "{ \"scenario\": \"x\", \"seed\": 1, \"complete\": false, \"reached_ns\": 128638, \"error\": \"node 1 was lost\" }"));

    [Fact]
    public void A_report_with_a_field_of_the_wrong_kind_is_refused()
    {
        string text = File.ReadAllText(Golden("self-sgi.json")).Replace("\"per_ipi\": {}", "\"per_ipi\": 5");
        Refused("DIR/r.json: \"per_ipi\" is a number, not an object", Write("r.json", text));
    }

    [Fact]
    public void A_report_missing_a_field_is_refused()
    {
        string text = File.ReadAllText(Golden("self-sgi.json")).Replace("\"latency_ns\"", "\"latencies\"");
        Refused("DIR/r.json: not a whole report: no \"latency_ns\"", Write("r.json", text));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
