namespace ActorGic.Gic;

/// <summary>The interrupt group an INTID is configured in (GICx_IGROUPR and GICx_IGRPMODR).</summary>
public enum InterruptGroup : byte
{
    /// <summary>Group 0: firmware's FIQs (Secure Group 0 with two security states).</summary>
    Group0 = 0,
    /// <summary>Secure Group 1 (only with two security states, GICD_CTLR.DS = 0).</summary>
    Group1Secure = 1,
    /// <summary>Non-secure Group 1: what Linux uses. With one security state this is simply "Group 1".</summary>
    Group1NonSecure = 2,
}

/// <summary>Which groups are enabled, both in GICD_CTLR and in the CPU interface's ICC_IGRPENn_EL1.</summary>
[Flags]
public enum GroupEnables : byte
{
    None = 0,
    Group0 = 1 << InterruptGroup.Group0,
    Group1Secure = 1 << InterruptGroup.Group1Secure,
    Group1NonSecure = 1 << InterruptGroup.Group1NonSecure,
    All = Group0 | Group1Secure | Group1NonSecure,
}

public static class GroupEnablesExtensions
{
    public static bool Has(this GroupEnables enables, InterruptGroup group) =>
        ((int)enables & (1 << (int)group)) != 0;
}
