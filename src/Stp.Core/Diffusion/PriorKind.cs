namespace Stp.Diffusion;

/// <summary>Which coordinate prior a model uses.</summary>
public enum PriorKind
{
    /// <summary>The unit prior N(0, I) of plain EDM.</summary>
    Unit,
    /// <summary>Scaling the Prior: every coordinate-noise draw of a molecule with N atoms is scaled by gamma_N.</summary>
    ScaledPrior,
    /// <summary>The paper's "-N" ablation: coordinates divided by gamma_N before diffusion and multiplied back after sampling (unit noise).</summary>
    NormalizedCoordinates,
}
