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
public sealed record SizeReportRow(int AtomCount, int Molecules, double AtomStability, double MoleculeStability,
    double Validity, double Uniqueness, double ValidAndUnique, double? Novelty);
