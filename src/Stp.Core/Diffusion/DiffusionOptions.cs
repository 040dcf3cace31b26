using Stp.Data;
using Stp.Prior;

namespace Stp.Diffusion;

/// <summary>Options of an <see cref="EquivariantDiffusion"/> (immutable after construction of the model).</summary>
public sealed class DiffusionOptions
{
    /// <summary>Atom feature layout (default: EDM's QM9 layout, 5 one-hot + Z).</summary>
    public AtomFeatures Features { get; init; } = AtomFeatures.Qm9;

    /// <summary>EDM norm_values[0]: coordinates are divided by this (default 1).</summary>
    public double PositionNorm { get; init; } = 1.0;

    /// <summary>EDM norm_values[1]: the one-hot block is divided by this (default 4, so a hot entry is 0.25).</summary>
    public double CategoricalNorm { get; init; } = 4.0;

    /// <summary>EDM norm_values[2]: the atomic-number channel is divided by this (default 10).</summary>
    public double AtomicNumberNorm { get; init; } = 10.0;

    /// <summary>
    /// The paper's "-N" ablation: when set, coordinates of a molecule with N atoms are divided by this scaler's gamma_N
    /// before diffusion and multiplied back after sampling (the noise stays unit). Null (default) for EDM and StP.
    /// </summary>
    public IPriorScaler? CoordinateNormalizer { get; init; }

    /// <summary>Number of context channels for conditional generation (default 0).</summary>
    public int ContextCount { get; init; }
}
