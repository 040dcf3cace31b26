namespace Stp.Data;

/// <summary>
/// One QM9 property as EDM uses it (FACTS 1.10-1.12): EDM's value is <c>(raw - sum over atoms of the atom reference) x
/// <see cref="Scale"/></c>, where raw is the value in QM9's original units (as stored in <c>qm9_edm_test.xyz.gz</c>, EDM's
/// npz files and the original records). The atom reference is QM9's thermochemical energy of the free atoms
/// (<c>atomref.txt</c>), subtracted by EDM for U0, U, H, G and Cv (<c>subtract_thermo</c>); Hartree energies are then
/// converted to eV (x 27.2114; zpve to meV, x 27211.4).
/// </summary>
/// <param name="Name">The property key (as in EDM and in <see cref="Stp.Chemistry.Molecule.Properties"/>), e.g. "alpha".</param>
/// <param name="Unit">EDM's unit after conversion, e.g. "eV".</param>
/// <param name="Scale">Factor from QM9's unit to <paramref name="Unit"/> (1 when unchanged).</param>
/// <param name="TableUnit">The unit of the paper's MAE table (table 2), e.g. "meV".</param>
/// <param name="TableScale">Factor from <paramref name="Unit"/> to <paramref name="TableUnit"/>.</param>
/// <param name="AtomReference">Per-atom reference subtracted before scaling (atomic number to value in QM9's unit), or null.</param>
public sealed record Qm9Property(string Name, string Unit, double Scale, string TableUnit, double TableScale,
    IReadOnlyDictionary<int, double>? AtomReference = null)
{
    /// <summary>EDM's value of this property for a molecule with <paramref name="atomicNumbers"/> and QM9 value <paramref name="raw"/>.</summary>
    /// <exception cref="ArgumentException">An atom has no reference value (the property has atom references and the element is not H, C, N, O or F).</exception>
    public double ToEdmUnits(double raw, IReadOnlyList<int> atomicNumbers)
    {
        ArgumentNullException.ThrowIfNull(atomicNumbers);
        double reference = 0;
        if (AtomReference is not null)
            foreach (var z in atomicNumbers)
                reference += AtomReference.TryGetValue(z, out var r) ? r
                    : throw new ArgumentException($"Property '{Name}': no atom reference for atomic number {z} (QM9 has H, C, N, O, F).", nameof(atomicNumbers));
        return (raw - reference) * Scale;
    }
}
