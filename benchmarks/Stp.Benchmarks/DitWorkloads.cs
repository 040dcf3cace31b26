using Stp.Backbones.Radm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// RADM workloads: the DiT-S / DiT-B denoisers on batches whose sizes are drawn (unsorted) from EDM's histograms
/// (QM9 batch 256, GEOM-Drugs batch 64, RADM's training batches; latent_nf 1 / 2), and whole RADM-StP models
/// (released autoencoder + a DiT) for sampling. Weights are the released initialisation perturbed by a seeded
/// 0.02 N(0, 1) so that the adaLN gates are not zero (the cost is the same either way).
/// </summary>
public static class DitWorkloads
{
    /// <summary>The DiT of a case: "S" or "B", latent channels of the dataset, on <paramref name="device"/>.</summary>
    public static DitDenoiser Denoiser(string size, string dataset, Device device)
    {
        var options = DitOptions.For(size == "B" ? DitSize.Base : DitSize.Small, dataset == "QM9" ? 1 : 2);
        var dit = new DitDenoiser(options, seed: 0);
        using (var g = new Generator(1))
        using (no_grad())
            foreach (var p in dit.Module.parameters()) p.add_(randn(p.shape, generator: g) * 0.02);
        dit.Module.to(device);
        return dit;
    }

    /// <summary>A latent batch: RADM's training batch size of the dataset (QM9 256, GEOM 64) unless given.</summary>
    public static DenoiserInput Batch(string dataset, int latent, Device device, int? batch = null)
    {
        var histogram = dataset == "QM9" ? EgnnWorkloads.Qm9Histogram : EgnnWorkloads.GeomHistogram;
        var sizes = EgnnWorkloads.DrawSizes(histogram, batch ?? (dataset == "QM9" ? 256 : 64), seed: 3);
        var b = EgnnWorkloads.MakeBatch(sizes, latent, seed: 3);
        return b.On(device);
    }

    /// <summary>The latent batches of a sampling plan as one reverse step sees them (each padded to its plan's padded size).</summary>
    public static List<DenoiserInput> PlanBatches(SamplingPlan plan, int latent, Device device)
    {
        var result = new List<DenoiserInput>();
        foreach (var batch in plan.Batches)
        {
            var sizes = batch.Sizes.Select(n => (long)n).ToList();
            // Pad to the plan's padded size with a dummy row, then drop it: MakeBatch pads to the largest molecule.
            var b = EgnnWorkloads.MakeBatch([.. sizes, batch.PaddedSize], latent, seed: 3);
            result.Add(b.On(device, sizes.Count));
        }
        return result;
    }

    /// <summary>The plan of a sampling case ("QM9 efficient", "GEOM padded", ...): QM9 200 molecules in batches of 100, GEOM 60 in batches of 20.</summary>
    public static SamplingPlan Plan(string @case, SizeDistribution sizes)
    {
        bool qm9 = @case.StartsWith("QM9", StringComparison.Ordinal);
        var drawn = sizes.Sample(qm9 ? 200 : 60, seed: 5);
        int batch = qm9 ? 100 : 20;
        return @case.EndsWith("efficient", StringComparison.Ordinal) ? SamplingPlan.Efficient(drawn, batch) : SamplingPlan.DatasetPadding(drawn, batch, sizes.MaxAtoms);
    }

    /// <summary>
    /// A RADM-StP sampler (released QM9 / GEOM autoencoder, DiT of <paramref name="ditSize"/>, published gamma_N) over
    /// <paramref name="steps"/> steps of the T = 1000 grid, on <paramref name="device"/> (default CPU), and the dataset's p(N).
    /// </summary>
    public static (DiffusionSampler Sampler, SizeDistribution Sizes) Sampler(string dataset, string ditSize, int steps, Device? device = null)
    {
        bool qm9 = dataset == "QM9";
        var codec = new RadmCodec(qm9 ? AtomFeatures.Qm9 : AtomFeatures.GeomDrugs, qm9 ? RadmAutoencoderOptions.Qm9 : RadmAutoencoderOptions.Geom, stage: RadmStage.Diffusion);
        var model = DiffusionModel.Create(Denoiser(ditSize, dataset, CPU), PriorKind.ScaledPrior, qm9 ? PriorScaleTable.PublishedQm9 : PriorScaleTable.PublishedGeomDrugs, codec: codec)
            .To(device ?? CPU);
        return (new DiffusionSampler(model, new SamplerOptions { Steps = steps }), qm9 ? SizeDistribution.Qm9 : SizeDistribution.GeomDrugs);
    }
}
