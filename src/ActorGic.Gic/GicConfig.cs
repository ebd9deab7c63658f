namespace ActorGic.Gic;

/// <summary>GICD_CTLR.DS: one security state (DS = 1) or two (DS = 0).</summary>
public enum SecurityStates : byte
{
    One = 1,
    Two = 2,
}

/// <summary>
/// Implementation choices fixed when the GIC is built (what GICD_TYPER, ICC_CTLR_EL1.PRIbits and
/// the PE's features would report). Register state that software changes lives elsewhere.
/// </summary>
public sealed record GicConfig
{
    /// <summary>Implemented priority bits, 4 to 8 (ICC_CTLR_EL1.PRIbits + 1). Default 5: 32 levels.</summary>
    public int PriorityBits { get; init; } = 5;

    public SecurityStates Security { get; init; } = SecurityStates.One;

    /// <summary>FEAT_GICv3_NMI: GICR_INMIR0 / GICD_INMIR exist. When false, NMI bits are RAZ/WI.</summary>
    public bool ArchitectedNmi { get; init; } = true;

    /// <summary>Range Selector support (ICC_CTLR_EL1.RSS and GICD_TYPER.RSS): Aff0 above 15 is targetable.</summary>
    public bool Rss { get; init; }

    public static GicConfig Default { get; } = new();

    /// <summary>Priority bits that are implemented: 0xF8 for 5 bits.</summary>
    public byte PriorityMask => (byte)(0xFF << (8 - PriorityBits));

    /// <summary>Preemption bits (ICC_CTLR_EL1.PREbits + 1): at most 7, because the APRs have at most 128 bits.</summary>
    public int PreemptionBits => Math.Min(PriorityBits, 7);

    /// <summary>Smallest ICC_BPR0_EL1 value: all preemption bits are group priority.</summary>
    public int MinimumBpr0 => 7 - PreemptionBits;

    /// <summary>Smallest ICC_BPR1_EL1 value: one more than ICC_BPR0_EL1's.</summary>
    public int MinimumBpr1 => MinimumBpr0 + 1;

    /// <summary>Throws if a value is outside what the architecture allows.</summary>
    public GicConfig Validated()
    {
        if (PriorityBits is < 4 or > 8)
            throw new GicConfigurationException(GicError.BadConfiguration,
                $"priority-bits must be 4 to 8, not {PriorityBits}");
        return this;
    }
}
