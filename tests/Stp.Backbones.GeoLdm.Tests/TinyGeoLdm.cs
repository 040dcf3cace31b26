using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>Small seeded GeoLDM models and QM9-like molecules for fast tests.</summary>
internal static class TinyGeoLdm
{
    public static GeoLdmOptions Options(int latent = 1, int hidden = 16, int layers = 1) =>
        GeoLdmOptions.Small(AtomFeatures.Qm9, latentFeatures: latent, hiddenFeatures: hidden, layers: layers);

    public static DiffusionModel Model(long seed, PriorKind prior = PriorKind.ScaledPrior, GeoLdmOptions? options = null)
    {
        TorchSharp.torch.manual_seed(seed);
        var model = GeoLdmModel.Create(options ?? Options(), prior, prior == PriorKind.Unit ? null : PriorScaleTable.PublishedQm9);
        model.SizeDistribution = new SizeDistribution(new Dictionary<int, long> { [5] = 2, [9] = 3, [12] = 1 });
        return model;
    }

    /// <summary>A molecule of <paramref name="n"/> atoms (one heavy atom in four, the rest H) on a jittered chain.</summary>
    public static Molecule Molecule(int n, int seed)
    {
        var rng = new Random(seed);
        int[] heavy = { 6, 7, 8, 9 };
        var z = Enumerable.Range(0, n).Select(i => i % 4 == 0 ? heavy[rng.Next(heavy.Length)] : 1).ToArray();
        var p = Enumerable.Range(0, 3 * n).Select(k => (k % 3 == 0 ? 1.1 * (k / 3) : 0) + rng.NextDouble() - 0.5).ToArray();
        return new Molecule(z, p);
    }

    public static List<Molecule> Molecules(int count, int seed, int minAtoms = 3, int maxAtoms = 14) =>
        Enumerable.Range(0, count).Select(i => Molecule(minAtoms + (i * 7 + seed) % (maxAtoms - minAtoms + 1), seed * 1000 + i)).ToList();
}
