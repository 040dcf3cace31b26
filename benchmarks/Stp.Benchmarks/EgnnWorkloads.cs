using Stp.Backbones.Edm;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>EGNN benchmark workloads: batches whose sizes are drawn (unsorted) from EDM's dataset histograms (FACTS appendix B).</summary>
public static class EgnnWorkloads
{
    /// <summary>QM9 (with H) n_nodes histogram of EDM, ascending N (Core's <see cref="Stp.Data.SizeDistribution.Qm9"/>).</summary>
    public static readonly (int N, long Count)[] Qm9Histogram = Histogram(Stp.Data.SizeDistribution.Qm9);

    /// <summary>GEOM-Drugs (with H) n_nodes histogram of EDM, ascending N (Core's <see cref="Stp.Data.SizeDistribution.GeomDrugs"/>).</summary>
    public static readonly (int N, long Count)[] GeomHistogram = Histogram(Stp.Data.SizeDistribution.GeomDrugs);

    private static (int, long)[] Histogram(Stp.Data.SizeDistribution d) => d.Counts.Select(kv => (kv.Key, kv.Value)).ToArray();

    /// <summary>Draws <paramref name="batch"/> molecule sizes from a histogram (seeded, not sorted).</summary>
    public static long[] DrawSizes((int N, long Count)[] histogram, int batch, int seed)
    {
        var rng = new Random(seed);
        long total = histogram.Sum(h => h.Count);
        var sizes = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            long r = rng.NextInt64(total);
            foreach (var (n, c) in histogram)
            {
                if (r < c) { sizes[b] = n; break; }
                r -= c;
            }
        }
        return sizes;
    }

    /// <summary>
    /// A padded batch (padded to its own maximum) with Gaussian coordinates of molecular extent (centred), one-hot
    /// features scaled by 1/4 as EDM normalises them, and random t, with the sizes on the host as the sampler and the
    /// trainer pass them (<see cref="DenoiserInput.Sizes"/>). Tensors are detached from any dispose scope.
    /// </summary>
    public static DenoiserInput MakeBatch(long[] sizes, int featureCount, int seed)
    {
        torch.manual_seed(seed);
        int b = sizes.Length, n = (int)sizes.Max();
        var maskData = new float[b * n];
        for (int i = 0; i < b; i++) for (int j = 0; j < sizes[i]; j++) maskData[i * n + j] = 1;
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(maskData, [b, n, 1]);
        var x = torch.randn(b, n, 3) * 1.5f * mask;
        var com = x.sum(1, keepdim: true) / mask.sum(1, keepdim: true);
        x = (x - com) * mask;
        var types = torch.randint(0, featureCount, [b, n]);
        var h = torch.nn.functional.one_hot(types, featureCount).to(ScalarType.Float32) * 0.25f * mask;
        var t = torch.rand(b);
        var counts = torch.tensor(sizes);
        return new DenoiserInput(x.DetachFromDisposeScope(), h.DetachFromDisposeScope(), t.DetachFromDisposeScope(),
            mask.DetachFromDisposeScope(), counts.DetachFromDisposeScope(), Sizes: sizes.Select(s => (int)s).ToArray());
    }

    /// <summary>The first <paramref name="count"/> molecules of a batch (all by default) on <paramref name="device"/> (tensors detached from any dispose scope).</summary>
    public static DenoiserInput On(this DenoiserInput b, Device device, int? count = null)
    {
        int k = count ?? (int)b.Positions.shape[0];
        Tensor Move(Tensor t) => t[..k].to(device).DetachFromDisposeScope();
        return new DenoiserInput(Move(b.Positions), Move(b.Features), Move(b.Time), Move(b.NodeMask), Move(b.AtomCounts), Sizes: b.Sizes?.Take(k).ToArray());
    }

    /// <summary>The EGNN configuration and batches of a benchmark case.</summary>
    public static (EgnnOptions Options, (int N, long Count)[] Histogram) Config(string name) => name switch
    {
        "QM9" => (EgnnOptions.Qm9, Qm9Histogram),
        "GEOM" => (EgnnOptions.Geom, GeomHistogram),
        _ => throw new ArgumentException($"Unknown config {name} (QM9 or GEOM).", nameof(name)),
    };

    /// <summary>Batch size of the forward+backward case: QM9 64, GEOM-Drugs 16 (the training-step shapes).</summary>
    public static int TrainingBatch(string name) => name == "QM9" ? 64 : 16;

    /// <summary>One forward pass without autograd, as in sampling.</summary>
    public static void Forward(EgnnDenoiser model, DenoiserInput input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var o = model.Predict(input);
        _ = o.NoiseX.sum().item<float>(); // force completion (matters on CUDA)
    }

    /// <summary>Forward + backward of an l2 loss on both outputs; gradients are cleared afterwards.</summary>
    public static void ForwardBackward(EgnnDenoiser model, DenoiserInput input)
    {
        using var scope = torch.NewDisposeScope();
        var o = model.Predict(input);
        var loss = o.NoiseX.square().mean() + o.NoiseH.square().mean();
        loss.backward();
        _ = loss.item<float>();
        model.Module.zero_grad();
    }
}
