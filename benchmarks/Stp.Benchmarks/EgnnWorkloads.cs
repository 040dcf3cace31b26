using Stp.Backbones.Edm;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>EGNN benchmark workloads: batches whose sizes are drawn (unsorted) from EDM's dataset histograms (FACTS appendix B).</summary>
public static class EgnnWorkloads
{
    /// <summary>QM9 (with H) n_nodes histogram, EDM configs/datasets_config.py.</summary>
    public static readonly (int N, long Count)[] Qm9Histogram =
    [
        (3, 1), (4, 4), (5, 5), (6, 9), (7, 16), (8, 49), (9, 124), (10, 362), (11, 807), (12, 1689), (13, 3060), (14, 5136),
        (15, 7796), (16, 10644), (17, 13025), (18, 13364), (19, 13832), (20, 9482), (21, 9970), (22, 3393), (23, 4848),
        (24, 539), (25, 1506), (26, 48), (27, 266), (29, 25),
    ];

    /// <summary>GEOM-Drugs (with H) n_nodes histogram, EDM configs/datasets_config.py.</summary>
    public static readonly (int N, long Count)[] GeomHistogram = ParseGeom(
        "3:1,4:3,5:9,6:2,7:8,8:23,9:23,10:50,11:109,12:168,13:280,14:402,15:583,16:597,17:949,18:1284,19:1862,20:2674,21:3599," +
        "22:6109,23:8693,24:13604,25:17419,26:25672,27:31647,28:43809,29:56697,30:70400,31:82655,32:104100,33:122776,34:140834," +
        "35:164888,36:185451,37:194541,38:218549,39:231232,40:243300,41:253349,42:268341,43:272081,44:276917,45:276839,46:274747," +
        "47:272126,48:262709,49:250157,50:244781,51:228898,52:215338,53:203728,54:191697,55:180518,56:163843,57:152055,58:136536," +
        "59:120393,60:107292,61:94635,62:83179,63:68384,64:61517,65:48867,66:37685,67:32859,68:27367,69:20981,70:18699,71:14791," +
        "72:11921,73:9933,74:9037,75:6538,76:6374,77:4036,78:4189,79:3842,80:3277,81:2925,82:1843,83:2060,84:1394,85:1514,86:1357," +
        "87:1346,88:999,89:300,90:390,91:510,92:510,93:240,94:721,95:360,96:360,97:390,98:330,99:540,100:258,101:210,102:60,103:180," +
        "104:206,105:60,106:390,107:180,108:180,109:150,110:120,111:360,112:120,113:210,114:60,115:30,116:210,117:270,118:450,119:240," +
        "120:228,121:120,122:30,123:420,124:240,125:210,126:158,127:180,128:60,129:30,130:120,131:30,132:120,133:60,134:240,135:169," +
        "136:240,137:30,138:270,139:180,140:270,141:150,142:60,143:60,144:240,145:180,146:150,147:150,148:90,149:90,151:30,152:60," +
        "155:90,159:30,160:60,165:30,171:30,175:30,176:60,181:30");

    private static (int, long)[] ParseGeom(string s) =>
        s.Split(',').Select(p => p.Split(':')).Select(p => (int.Parse(p[0]), long.Parse(p[1]))).ToArray();

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
    /// features scaled by 1/4 as EDM normalises them, and random t. Tensors are detached from any dispose scope.
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
            mask.DetachFromDisposeScope(), counts.DetachFromDisposeScope());
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
