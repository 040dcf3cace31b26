using Stp.Backbones.GeoLdm;
using Stp.Data;

namespace Stp.Benchmarks;

/// <summary>
/// The paper's relative l2 difference between coordinates and their latent (table 4) for the released GeoLDM encoders
/// at their seeded initialisation (the released recipe never trains the encoder):
/// <c>latent-difference QM9|GEOM path count [seeds]</c>, mean over the first <c>count</c> molecules of the file.
/// </summary>
public static class GeoLdmLatentProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 3) { Console.Error.WriteLine("usage: latent-difference QM9|GEOM data.xyz[.gz] count [seeds]"); return 2; }
        var options = args[0] == "QM9" ? GeoLdmOptions.Qm9 : GeoLdmOptions.GeomDrugs;
        int count = int.Parse(args[2]), seeds = args.Length > 3 ? int.Parse(args[3]) : 1;
        var molecules = XyzFile.Read(args[1]).Where(m => !m.Properties.ContainsKey("split")).Take(count).ToList();
        for (int seed = 0; seed < seeds; seed++)
        {
            TorchSharp.torch.manual_seed(seed);
            using var codec = new GeoLdmCodec(options);
            double d = codec.RelativeCoordinateDifference(molecules, batchSize: 100);
            Console.WriteLine($"RESULT {args[0]} encoder seed {seed} (nf {options.Egnn.HiddenFeatures}, L = {options.LatentFeatures}): mean ||x - z_x|| / ||x|| over {molecules.Count} molecules = {d:P2}");
        }
        return 0;
    }
}
