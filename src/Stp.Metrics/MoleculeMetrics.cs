namespace Stp.Metrics;

/// <summary>Metrics of one molecule.</summary>
/// <param name="AtomCount">Number of atoms N.</param>
/// <param name="StableAtoms">Atoms whose bond-order sum is allowed (EDM atom stability); 0 for bad input.</param>
/// <param name="IsStable">All atoms stable (EDM molecule stability).</param>
/// <param name="IsValid">RDKit-style sanitisation of the molecule built from EDM's bonds succeeds.</param>
/// <param name="Smiles">Canonical SMILES of the largest fragment when valid, else null.</param>
/// <param name="Issue">Input problem, or <see cref="MoleculeIssue.None"/>.</param>
/// <param name="Reason">Why the molecule is invalid (input problem or valence failure), or null when valid.</param>
/// <param name="FragmentCount">Number of connected fragments of the bond graph (0 for bad input).</param>
public sealed record MoleculeMetrics(int AtomCount, int StableAtoms, bool IsStable, bool IsValid, string? Smiles,
    MoleculeIssue Issue, string? Reason, int FragmentCount);
