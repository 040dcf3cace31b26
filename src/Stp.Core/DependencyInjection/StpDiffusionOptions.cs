using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;

namespace Stp.DependencyInjection;

/// <summary>Options of <c>AddStpDiffusion</c>.</summary>
public sealed class StpDiffusionOptions
{
    /// <summary>The base noise schedule (default: EDM's polynomial_2, T = 1000, precision 1e-5).</summary>
    public INoiseSchedule Schedule { get; set; } = PolynomialSchedule.Edm;

    /// <summary>The coordinate prior (default: <see cref="PriorKind.ScaledPrior"/>, i.e. StP; needs an IPriorScaler service).</summary>
    public PriorKind Prior { get; set; } = PriorKind.ScaledPrior;

    /// <summary>Atom features of the default EDM codec (default: QM9). Register an <see cref="IMoleculeCodec"/> to use another codec.</summary>
    public AtomFeatures Features { get; set; } = AtomFeatures.Qm9;
}
