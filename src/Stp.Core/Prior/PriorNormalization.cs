namespace Stp.Prior;

/// <summary>The normalisation factor Z of paper eq. 12 (gamma_N = mean scale at size N / Z).</summary>
public enum PriorNormalization
{
    /// <summary>Z = mean scale over every molecule of the dataset (the paper's text).</summary>
    DatasetMean,

    /// <summary>
    /// Z = mean scale of the molecules at a reference size (the authors' code: the largest QM9 size, 29, so that
    /// gamma_29 = 1). Set <see cref="PriorScaleOptions.ReferenceAtomCount"/>.
    /// </summary>
    ReferenceSize,
}
