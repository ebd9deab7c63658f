namespace ActorGic.Gic;

/// <summary>
/// ICC_SGI1R_EL1 (also the layout of ICC_SGI0R_EL1 and ICC_ASGI1R_EL1):
/// TargetList 15:0, Aff1 23:16, INTID 27:24, Aff2 39:32, IRM 40, RS 47:44, Aff3 55:48.
/// </summary>
public readonly record struct Sgi1r(ushort TargetList, byte Aff1, byte Intid, byte Aff2, bool Irm, byte Rs, byte Aff3)
{
    /// <summary>Bits that are RES0 in the register.</summary>
    public const ulong Res0Mask = 0xFF00_0E00_F000_0000UL;

    public ulong Encode() =>
        TargetList
        | ((ulong)Aff1 << 16)
        | ((ulong)(Intid & 0xF) << 24)
        | ((ulong)Aff2 << 32)
        | (Irm ? 1UL << 40 : 0)
        | ((ulong)(Rs & 0xF) << 44)
        | ((ulong)Aff3 << 48);

    /// <summary>Decodes every field; RES0 bits are ignored here (see <see cref="Res0Mask"/>).</summary>
    public static Sgi1r Decode(ulong value) => new(
        TargetList: (ushort)value,
        Aff1: (byte)(value >> 16),
        Intid: (byte)((value >> 24) & 0xF),
        Aff2: (byte)(value >> 32),
        Irm: ((value >> 40) & 1) != 0,
        Rs: (byte)((value >> 44) & 0xF),
        Aff3: (byte)(value >> 48));

    /// <summary>
    /// The value Linux's gic_send_sgi() builds for one cluster: the affinity fields and RS come
    /// from the cluster id (an affinity with Aff0[3:0] cleared), never IRM.
    /// </summary>
    public static Sgi1r ForCluster(ulong clusterId, ushort targetList, int intid)
    {
        var m = new Mpidr(clusterId);
        return new Sgi1r(targetList, m.Aff1, (byte)intid, m.Aff2, Irm: false, (byte)m.RangeSelector, m.Aff3);
    }

    /// <summary>The SGI cluster id (Linux's MPIDR_TO_SGI_CLUSTER_ID) this write addresses.</summary>
    public ulong ClusterId => Mpidr.FromAffinity(Aff3, Aff2, Aff1, (byte)(Rs << 4)).Value;

    public override string ToString() =>
        $"TargetList=0x{TargetList:X4} Aff1=0x{Aff1:X2} INTID={Intid} Aff2=0x{Aff2:X2} IRM={(Irm ? 1 : 0)} RS={Rs} Aff3=0x{Aff3:X2}";
}
