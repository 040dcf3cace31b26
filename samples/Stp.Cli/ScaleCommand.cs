using System.CommandLine;
using Stp.Data;
using Stp.Metrics.Reports;
using Stp.Prior;

namespace Stp.Cli;

internal static class ScaleCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset file or folder", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "qm9 (uses the training split: edm_test held out) or any (all molecules)", DefaultValueFactory = _ => "qm9" };
        var z = new Option<string>("--normalize") { Description = "Z in eq. 12: 'mean' (dataset mean scale, the paper's text) or a reference size N (the authors' code: 29 for QM9)", DefaultValueFactory = _ => "mean" };
        var minCount = new Option<int>("--min-molecules") { Description = "Sizes with fewer molecules use the power-law fit (default 1)", DefaultValueFactory = _ => 1 }.InRange(1);
        var output = new Option<string>("--out") { Description = "Output JSON (default gamma.json); a PNG plot is written beside it", DefaultValueFactory = _ => "gamma.json" };
        var device = Common.NoTorchDeviceOption("scale");
        var cmd = new Command("scale", "Compute the StP prior scale gamma_N per molecule size (convex-hull scale, paper eq. 11-12); writes JSON and a plot.")
        { data, dataset, z, minCount, output, device };
        cmd.SetAction(r =>
        {
            var path = r.GetValue(output)!;
            OptionChecks.OutputFile("--out", path);
            OptionChecks.OutputFile("--out", Path.ChangeExtension(path, ".png"));
            var zText = r.GetValue(z)!;
            var options = zText == "mean" ? new PriorScaleOptions()
                : int.TryParse(zText, out var nref) && nref >= 1 ? PriorScaleOptions.AtReferenceSize(nref)
                : throw new UsageException($"--normalize: expected 'mean' or an atom count, got '{zText}'.");
            var all = Datasets.Load(r.GetValue(data)!);
            var mols = all;
            if (r.GetValue(dataset)!.ToLowerInvariant() == "qm9")
            {
                var (train, validation, _) = MoleculeDatasets.SplitQm9(all);
                mols = train.Concat(validation).ToList();
            }
            options = options with { MinMoleculesPerSize = r.GetValue(minCount) };
            var table = PriorScaleTable.FromMolecules(mols, options, Path.GetFileNameWithoutExtension(r.GetValue(data)!));
            table.Save(path);
            Console.WriteLine($"gamma_N from {mols.Count} molecules (Z = {table.Normalizer:F4} A):");
            Console.WriteLine("   N  molecules   gamma_N  " + (table.MaxAtoms <= PriorScaleTable.PublishedQm9.MaxAtoms ? "published QM9" : ""));
            for (int n = 1; n <= table.MaxAtoms; n++)
            {
                if (table.Gammas[n] <= 0) continue;
                string pub = n <= PriorScaleTable.PublishedQm9.MaxAtoms && PriorScaleTable.PublishedQm9.Gammas[n] > 0 ? $"{PriorScaleTable.PublishedQm9.Gammas[n]:F4}" : "";
                Console.WriteLine($"{n,4} {table.Counts[n],10} {table.Gammas[n],9:F4}{(table.IsFitted[n] ? "*" : " ")} {pub}");
            }
            Console.WriteLine("(* = from the power-law fit: too few or no molecules of that size)");
            var png = Path.ChangeExtension(path, ".png");
            var published = r.GetValue(dataset)!.ToLowerInvariant() switch
            {
                "qm9" => PriorScaleTable.PublishedQm9,
                "geom" => PriorScaleTable.PublishedGeomDrugs,
                _ => null,
            };
            table.WritePlot(png, published);
            Console.WriteLine($"Wrote {path} and {png}");
            return 0;
        });
        return cmd;
    }
}
