namespace Stp.Metrics.Chemistry;

/// <summary>Bond type of a <see cref="MolecularGraph"/> bond.</summary>
public enum BondKind : byte
{
    /// <summary>Single bond (order 1).</summary>
    Single = 1,
    /// <summary>Double bond (order 2).</summary>
    Double = 2,
    /// <summary>Triple bond (order 3).</summary>
    Triple = 3,
    /// <summary>Aromatic bond (perceived, or read from lower-case SMILES).</summary>
    Aromatic = 4,
}
