using Stp.Diffusion;
using Stp.Prior;

namespace Stp.Models;

/// <summary>The coordinate prior in a model file: its kind and, for StP and "-N", the gamma_N table (index = N).</summary>
/// <param name="Kind">Unit (plain EDM), ScaledPrior (StP) or NormalizedCoordinates ("-N").</param>
/// <param name="Name">The table's name (e.g. "qm9").</param>
/// <param name="Gamma">gamma_N for N = 0..max (zero marks an absent size).</param>
public sealed record PriorDescription(PriorKind Kind, string? Name = null, double[]? Gamma = null)
{
    /// <summary>Describes the prior of a model; a non-table scaler is tabulated up to the largest size of its p(N).</summary>
    public static PriorDescription Of(DiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Prior == PriorKind.Unit) return new(PriorKind.Unit);
        var scaler = model.Prior == PriorKind.ScaledPrior ? model.PriorScale : ((Codecs.NormalizedCoordinatesCodec)model.Codec).PriorScale;
        if (scaler is PriorScaleTable table) return new(model.Prior, table.Name, table.Gammas.ToArray());
        int max = model.SizeDistribution?.MaxAtoms
            ?? throw new NotSupportedException($"The prior scale {scaler.GetType().Name} is not a PriorScaleTable; set the model's SizeDistribution so that it can be tabulated for saving.");
        var gammas = new double[max + 1];
        for (int n = 1; n <= max; n++)
        {
            try { gammas[n] = scaler.PriorScale(n); }
            catch (ArgumentOutOfRangeException) { gammas[n] = 0; }
        }
        return new(model.Prior, "tabulated", gammas);
    }

    /// <summary>The gamma_N table (null for the unit prior).</summary>
    public IPriorScaler? Build() => Kind == PriorKind.Unit ? null
        : new PriorScaleTable(Gamma ?? throw new InvalidDataException($"Prior '{Kind}' needs its gamma_N table."), Name ?? "custom");
}
