namespace Stp.Metrics.Reports;

/// <summary>Metrics of the molecules with one atom count N (or of all molecules, see <see cref="SizeReport.Overall"/>).</summary>
/// <param name="AtomCount">N (0 for the overall row).</param>
/// <param name="Molecules">Number of molecules.</param>
/// <param name="AtomStability">Stable atoms / atoms.</param>
/// <param name="MoleculeStability">Stable molecules / molecules.</param>
/// <param name="Validity">Valid / molecules.</param>
/// <param name="Uniqueness">Distinct valid SMILES / valid molecules (within this row).</param>
/// <param name="ValidAndUnique">Distinct valid SMILES / molecules (within this row).</param>
/// <param name="Novelty">Distinct valid SMILES not in the training set / distinct valid SMILES, or null.</param>
/// <param name="SingleFragment">Molecules whose bond graph is one connected fragment / molecules.</param>
/// <param name="StableMolecules">Stable molecules (the count behind <paramref name="MoleculeStability"/>, for confidence intervals).</param>
/// <param name="Valid">Valid molecules (the count behind <paramref name="Validity"/>).</param>
public sealed record SizeReportRow(int AtomCount, int Molecules, double AtomStability, double MoleculeStability,
    double Validity, double Uniqueness, double ValidAndUnique, double? Novelty, double SingleFragment = 0, int StableMolecules = 0, int Valid = 0);
