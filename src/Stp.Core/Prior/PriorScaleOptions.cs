using Stp.Geometry;

namespace Stp.Prior;

/// <summary>How <see cref="PriorScaleTable.FromMolecules"/> turns a dataset into gamma_N.</summary>
public sealed record PriorScaleOptions
{
    /// <summary>Which normalisation factor Z is used (default: the dataset mean, as in the paper's text).</summary>
    public PriorNormalization Normalization { get; init; } = PriorNormalization.DatasetMean;

    /// <summary>The reference size for <see cref="PriorNormalization.ReferenceSize"/> (must lie in [1, MaxAtoms]).</summary>
    public int ReferenceAtomCount { get; init; }

    /// <summary>
    /// Sizes with fewer molecules than this take the power-law fit instead of their own mean scale
    /// (default 1: every size present in the data uses its data, exactly eq. 12; only absent sizes are fitted).
    /// </summary>
    public int MinMoleculesPerSize { get; init; } = 1;

    /// <summary>Largest size in the table; null takes the largest size in the data. Larger molecules are ignored.</summary>
    public int? MaxAtoms { get; init; }

    /// <summary>
    /// Exponent b of the fit s_N ≈ a·N^b; null (default) fits b together with a. Set 1.0/3 for the compact-sphere law
    /// (only a is fitted then).
    /// </summary>
    public double? FitExponent { get; init; }

    /// <summary>Hull tolerance relative to each molecule's extent.</summary>
    public double RelativeHullTolerance { get; init; } = ConvexHull3D.DefaultRelativeTolerance;

    /// <summary>Which atoms enter s(x) for planar or linear molecules (default: all atoms, as the published tables).</summary>
    public DegenerateHullRule DegenerateHull { get; init; } = DegenerateHullRule.AllAtoms;

    /// <summary>Options normalising by the mean scale at <paramref name="atomCount"/> atoms (the authors' convention).</summary>
    public static PriorScaleOptions AtReferenceSize(int atomCount) =>
        new() { Normalization = PriorNormalization.ReferenceSize, ReferenceAtomCount = atomCount };
}
