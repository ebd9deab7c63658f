using ActorGic.Gic;
using BenchmarkDotNet.Attributes;

namespace ActorGic.Benchmarks;

/// <summary>
/// One SGI send, acknowledge and EOI on the pure model: the path every delivery in every engine
/// takes. Target: no allocation, under 100 ns per cycle. The CPU count varies to show that the
/// cost of one write follows its targets, not the size of the system.
/// </summary>
[MemoryDiagnoser]
public class SgiCycleBenchmark
{
    private Gic.Gic _gic = null!;
    private ulong _toCpu1;
    private ulong _toLastCluster;
    private int _lastCpu;

    [Params(16, 4096, 65536)]
    public int Cpus { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _gic = new Gic.Gic(Topology.Regular(Cpus, 16, 256)).EnableAll(priority: 0xA0, pmr: 0xF0);
        _toCpu1 = GicIpiSendMask.Compute(_gic.Topology, 1, [1])[0];
        _lastCpu = Cpus - 1;
        _toLastCluster = GicIpiSendMask.Compute(_gic.Topology, 2, [_lastCpu])[0];
    }

    [Benchmark(Baseline = true, Description = "ICC_SGI1R_EL1 write, ICC_IAR1_EL1, ICC_EOIR1_EL1 (EOImode 0)")]
    public int SendAcknowledgeEoi()
    {
        _gic.WriteSgi1r(0, _toCpu1);
        int intid = _gic.AcknowledgeIar1(1);
        _gic.EndOfInterrupt1(1, intid);
        return intid;
    }

    [Benchmark(Description = "same cycle to the last CPU of the system")]
    public int SendAcknowledgeEoiFarCpu()
    {
        _gic.WriteSgi1r(0, _toLastCluster);
        int intid = _gic.AcknowledgeIar1(_lastCpu);
        _gic.EndOfInterrupt1(_lastCpu, intid);
        return intid;
    }
}
