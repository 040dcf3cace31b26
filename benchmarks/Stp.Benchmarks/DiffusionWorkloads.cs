using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;

namespace Stp.Benchmarks;

/// <summary>
/// Whole-pipeline workloads with the released EDM configurations: a full training step (forward, backward, adaptive
/// clipping, AdamW amsgrad, EMA) through <see cref="DiffusionTrainer"/>, and sampling through
/// <see cref="DiffusionSampler"/> with the efficient plan and with EDM's dataset-maximum padding.
/// </summary>
public static class DiffusionWorkloads
{
    /// <summary>Released configuration, feature layout, size distribution and prior of a dataset.</summary>
    public static (EgnnOptions Egnn, AtomFeatures Features, SizeDistribution Sizes, PriorScaleTable Prior) Config(string dataset) =>
        dataset == "QM9"
            ? (EgnnOptions.Qm9, AtomFeatures.Qm9, SizeDistribution.Qm9, PriorScaleTable.PublishedQm9)
            : (EgnnOptions.Geom, AtomFeatures.GeomDrugs, SizeDistribution.GeomDrugs, PriorScaleTable.PublishedGeomDrugs);

    /// <summary>Synthetic molecules with sizes drawn from p(N) (unsorted), Gaussian coordinates (sd 1.5 A) and elements in the vocabulary's proportions of H/C/N/O.</summary>
    public static List<Molecule> Molecules(string dataset, int count, long seed)
    {
        var (_, features, sizes, _) = Config(dataset);
        var rng = new Random((int)seed);
        int[] elements = { 1, 1, 1, 6, 6, 7, 8 };
        return sizes.Sample(count, seed).Select(n => new Molecule(
            Enumerable.Range(0, n).Select(_ => elements[rng.Next(elements.Length)]).ToArray(),
            Enumerable.Range(0, 3 * n).Select(_ => 1.5 * Gaussian(rng)).ToArray())).ToList();
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>A trainer over one batch of <paramref name="batch"/> molecules (every step trains on the same molecules, new t and noise), on <paramref name="device"/> (default CPU).</summary>
    public static DiffusionTrainer Trainer(string dataset, int batch, TorchSharp.torch.Device? device = null)
    {
        var (egnn, features, _, prior) = Config(dataset);
        TorchSharp.torch.manual_seed(0);
        var model = DiffusionModel.Create(new EgnnDenoiser(egnn), PriorKind.ScaledPrior, prior, features);
        return new DiffusionTrainer(model, Molecules(dataset, batch, 3), new TrainerOptions { BatchSize = batch, Seed = 1 }, device);
    }

    /// <summary>A sampler over <paramref name="steps"/> steps of the T = 1000 grid (the per-step cost is the same as with all 1000), on <paramref name="device"/> (default CPU); <paramref name="small"/>: the small EGNN (nf 64, 4 layers) instead of the released one.</summary>
    public static (DiffusionSampler Sampler, SizeDistribution Sizes) Sampler(string dataset, int steps, TorchSharp.torch.Device? device = null, bool small = false)
    {
        var (egnn, features, sizes, prior) = Config(dataset);
        if (small) egnn = EgnnOptions.Small(features.Count);
        TorchSharp.torch.manual_seed(0);
        var model = DiffusionModel.Create(new EgnnDenoiser(egnn, device), PriorKind.ScaledPrior, prior, features);
        return (new DiffusionSampler(model, new SamplerOptions { Steps = steps }), sizes);
    }
}
