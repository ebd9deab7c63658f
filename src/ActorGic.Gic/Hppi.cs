namespace ActorGic.Gic;

/// <summary>
/// A highest priority pending interrupt offered to a CPU interface: what the redistributor (or the
/// distributor for an SPI) hands up. <see cref="Priority"/> is the effective priority: an
/// architected NMI's superpriority is already folded in.
/// </summary>
public readonly record struct Hppi(int Intid, byte Priority, InterruptGroup Group, bool Nmi)
{
    public static Hppi None => new(ActorGic.Gic.Intid.Spurious, 0xFF, InterruptGroup.Group1NonSecure, false);

    public bool IsNone => Intid == ActorGic.Gic.Intid.Spurious;

    /// <summary>
    /// The architecture's choice between two candidates: lower priority value wins; an NMI beats a
    /// non-NMI at equal priority; among equals the choice is IMPLEMENTATION DEFINED and the model
    /// takes the lower INTID (software must never rely on it).
    /// </summary>
    public bool BeatsOrNone(in Hppi other)
    {
        if (IsNone) return false;
        if (other.IsNone) return true;
        if (Priority != other.Priority) return Priority < other.Priority;
        if (Nmi != other.Nmi) return Nmi;
        return Intid < other.Intid;
    }

    public static Hppi Best(in Hppi a, in Hppi b) => b.BeatsOrNone(a) ? b : a;

    // Field by field: a redistributor compares its HPPI with the one it offered after every event,
    // and the generated equality goes through EqualityComparer<T>.Default for each field.
    public bool Equals(Hppi other) => Intid == other.Intid && Priority == other.Priority && Group == other.Group && Nmi == other.Nmi;

    public override int GetHashCode() => HashCode.Combine(Intid, Priority, Group, Nmi);
}
