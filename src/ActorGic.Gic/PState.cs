namespace ActorGic.Gic;

/// <summary>
/// The PE's own interrupt masks (PSTATE.{I,F,ALLINT} and SCTLR_ELx.NMI): whether a signal from
/// the CPU interface becomes an exception. With PSTATE.I set nothing but a superpriority IRQ gets
/// in, and only with SCTLR_ELx.NMI = 1; PSTATE.ALLINT masks even that.
/// </summary>
public readonly record struct PState(bool I, bool F = false, bool AllInt = false)
{
    public bool TakesException(SignalKind signal, bool sctlrNmi) => signal switch
    {
        SignalKind.None => false,
        SignalKind.Fiq => !F && !(sctlrNmi && AllInt),
        SignalKind.IrqSuperpriority when sctlrNmi => !AllInt,
        _ => !I && !(sctlrNmi && AllInt),
    };
}
