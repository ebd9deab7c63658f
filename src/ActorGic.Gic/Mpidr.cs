namespace ActorGic.Gic;

/// <summary>
/// A PE's affinity (MPIDR_EL1), kept the way Linux's gic_cpu_to_affinity() packs it:
/// Aff0 in bits 7:0, Aff1 in 15:8, Aff2 in 23:16, Aff3 in 39:32 (the MPIDR masked with 0xff00ffffff).
/// </summary>
public readonly record struct Mpidr
{
    /// <summary>The bits Linux keeps of MPIDR_EL1 (MPIDR_HWID_BITMASK).</summary>
    public const ulong LinuxMask = 0xff00ffffffUL;

    public Mpidr(ulong value) => Value = value & LinuxMask;

    public static Mpidr FromAffinity(byte aff3, byte aff2, byte aff1, byte aff0) =>
        new(((ulong)aff3 << 32) | ((ulong)aff2 << 16) | ((ulong)aff1 << 8) | aff0);

    public ulong Value { get; }
    public byte Aff0 => (byte)Value;
    public byte Aff1 => (byte)(Value >> 8);
    public byte Aff2 => (byte)(Value >> 16);
    public byte Aff3 => (byte)(Value >> 32);

    /// <summary>Linux's MPIDR_TO_SGI_CLUSTER_ID: the PEs one SGI write can reach share this value.</summary>
    public ulong SgiClusterId => Value & ~0xFUL;

    /// <summary>Linux's MPIDR_RS: the Range Selector this PE needs (Aff0[7:4]).</summary>
    public int RangeSelector => (Aff0 >> 4) & 0xF;

    /// <summary>The bit this PE has in a TargetList (Aff0[3:0]).</summary>
    public int TargetListBit => Aff0 & 0xF;

    /// <summary>The chip (one distributor) this PE belongs to, by Aff3.Aff2.</summary>
    public int ChipKey => (Aff3 << 8) | Aff2;

    public override string ToString() => $"0x{Value:x}";
}
