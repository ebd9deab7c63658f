namespace ActorGic.Gic;

/// <summary>
/// Misuse of the GIC that the architecture calls UNPREDICTABLE, CONSTRAINED UNPREDICTABLE or
/// out of range. The model never throws on these at run time: it returns the error and leaves
/// the state unchanged, so an engine can report it as an invariant violation.
/// </summary>
public enum GicError
{
    None = 0,
    IntidOutOfRange,
    BadPriority,
    BadAffinity,
    NoRss,
    /// <summary>ICC_EOIRn_EL1 written for an INTID that is not the most recent acknowledge.</summary>
    EoiNotNested,
    /// <summary>ICC_EOIRn_EL1 written with nothing acknowledged.</summary>
    EoiWithoutAcknowledge,
    /// <summary>ICC_EOIR0 used for a Group 1 interrupt, or ICC_EOIR1 for a Group 0 one.</summary>
    EoiWrongGroup,
    /// <summary>ICC_DIR_EL1 written while ICC_CTLR_EL1.EOImode is 0.</summary>
    DirInEoiMode0,
    /// <summary>ICC_DIR_EL1 written for an INTID whose priority has not been dropped.</summary>
    DirBeforePriorityDrop,
    /// <summary>ICC_DIR_EL1 written for an INTID that is not active.</summary>
    DirNotActive,
    /// <summary>ICC_SGI1R_EL1 written while affinity routing (GICD_CTLR.ARE) is off.</summary>
    AffinityRoutingDisabled,
    BadBinaryPoint,
    BadConfiguration,
}

/// <summary>A configuration-time error (topology, options): thrown, because it stops a run before it starts.</summary>
public sealed class GicConfigurationException(GicError error, string message) : Exception(message)
{
    public GicError Error { get; } = error;
}
