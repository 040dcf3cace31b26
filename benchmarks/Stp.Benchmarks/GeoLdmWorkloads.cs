using Stp.Backbones.GeoLdm;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Training;

namespace Stp.Benchmarks;

/// <summary>
/// GeoLDM-StP workloads with the released configurations (QM9: nf 256, 9 layers, L = 1; GEOM-Drugs: nf 256, 4 layers,
/// L = 2), random weights (<c>manual_seed(0)</c>), the synthetic molecules of <see cref="DiffusionWorkloads"/>.
/// </summary>
public static class GeoLdmWorkloads
{
    /// <summary>The released GeoLDM-StP model of a dataset ("QM9" or "GEOM") with p(N), on <paramref name="device"/> (default CPU).</summary>
    public static DiffusionModel Model(string dataset, TorchSharp.torch.Device? device = null)
    {
        var (_, _, sizes, prior) = DiffusionWorkloads.Config(dataset);
        TorchSharp.torch.manual_seed(0);
        var model = GeoLdmModel.Create(dataset == "QM9" ? GeoLdmOptions.Qm9 : GeoLdmOptions.GeomDrugs, PriorKind.ScaledPrior, prior, device: device);
        model.SizeDistribution = sizes;
        return model;
    }

    /// <summary>A trainer over one batch of <paramref name="batch"/> molecules (diffusion + reconstruction loss, clipping, AdamW, EMA).</summary>
    public static DiffusionTrainer Trainer(string dataset, int batch, TorchSharp.torch.Device? device = null) =>
        new(Model(dataset, device), DiffusionWorkloads.Molecules(dataset, batch, 3), new TrainerOptions { BatchSize = batch, Seed = 1 }, device);

    /// <summary>A sampler over <paramref name="steps"/> steps of the T = 1000 grid.</summary>
    public static DiffusionSampler Sampler(string dataset, int steps, TorchSharp.torch.Device? device = null) => new(Model(dataset, device), new SamplerOptions { Steps = steps });
}
