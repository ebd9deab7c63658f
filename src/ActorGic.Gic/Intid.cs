namespace ActorGic.Gic;

/// <summary>INTID ranges and the special INTIDs of GICv3 (IHI 0069, "INTIDs").</summary>
public static class Intid
{
    public const int SgiCount = 16;
    public const int FirstPpi = 16;
    public const int PrivateCount = 32;
    public const int FirstSpi = 32;
    public const int LastSpi = 1019;
    public const int SpiLimit = 1020;

    /// <summary>Returned by ICC_IAR1_EL1 when the HPPI is an NMI and SCTLR_ELx.NMI is 1.</summary>
    public const int Nmi = 1022;

    /// <summary>Spurious: nothing eligible to acknowledge.</summary>
    public const int Spurious = 1023;

    public static bool IsSgi(int intid) => (uint)intid < SgiCount;
    public static bool IsPrivate(int intid) => (uint)intid < PrivateCount;
    public static bool IsSpi(int intid) => intid is >= FirstSpi and <= LastSpi;
    public static bool IsSpecial(int intid) => intid is >= 1020 and <= 1023;
}
