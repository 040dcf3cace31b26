using System.Globalization;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Properties;

namespace Stp.Cli;

/// <summary><c>stp evaluate --conditional --property-model P</c>: the property MAE of generated molecules, with the baselines, in the paper's table format.</summary>
internal static class ConditionalEvaluation
{
    /// <summary>
    /// The MAE table of <paramref name="molecules"/> (their property values are the requested contexts written by
    /// <c>stp sample</c>) for every predictor file; a numnodes baseline beside a predictor (<c>name.numnodes.safetensors</c>)
    /// gives the #Atoms column on the same molecules.
    /// </summary>
    public static string Run(IReadOnlyList<Molecule> molecules, string samplesPath, IReadOnlyList<string> predictorPaths, TorchSharp.torch.Device device, string folder)
    {
        var rows = new List<ConditionalRow>();
        Directory.CreateDirectory(folder);
        foreach (var path in predictorPaths)
        {
            using var p = PropertyPredictor.Load(path, device);
            var with = molecules.Where(m => m.Properties.ContainsKey(p.Property)).ToList();
            if (with.Count == 0)
                throw new InvalidDataException($"{samplesPath}: no molecule carries '{p.Property}', the property of {path} (sample with a model conditioned on it: stp sample --checkpoint <conditional model>).");
            if (with.Count < molecules.Count) Console.Error.WriteLine($"{molecules.Count - with.Count} molecules without '{p.Property}' are left out of its MAE.");
            var predictions = p.Predict(with);
            var targets = PropertyMae.Targets(with, p.Property);
            double mae = PropertyMae.Compute(predictions, targets);
            double? rho = with.Count >= 3 ? RankCorrelation.Spearman(targets, predictions) : null;
            var withinSizes = RankCorrelation.WithinGroups(targets, predictions, with.Select(m => m.AtomCount).ToArray());
            double? numNodes = null;
            var stem = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? path[..^".safetensors".Length] : path;
            var baseline = stem + ".numnodes.safetensors";
            if (File.Exists(baseline))
            {
                using var nn = PropertyPredictor.Load(baseline, device);
                numNodes = PropertyMae.Evaluate(nn, with);
            }
            Console.WriteLine($"{p.Property}: predictor {path} ({p}){(p.Notes.TryGetValue("protocol", out var proto) ? "; " + proto : "")}");
            WritePerMolecule(Path.Combine(folder, $"conditional_{p.Property}.csv"), with, targets, predictions);
            rows.Add(new ConditionalRow(p.Property, with.Count, mae, numNodes, p.HeldOut, rho, withinSizes));
        }
        var table = ConditionalTable.ToMarkdown(rows, Path.GetFileName(samplesPath));
        Console.WriteLine($"Per-molecule requested and predicted values: {Path.Combine(folder, "conditional_<property>.csv")}");
        AtomicFile.WriteAllText(Path.Combine(folder, "conditional_mae.md"), table + "\n");
        return table + string.Create(CultureInfo.InvariantCulture, $"\n(MAE in the table's units; held-out columns on real molecules of the generator half, #Atoms on these samples when a numnodes baseline lies beside the predictor.)");
    }

    /// <summary>One line per molecule (its position among the molecules that carry the property, atom count, requested and predicted value in EDM's unit), written atomically.</summary>
    private static void WritePerMolecule(string path, IReadOnlyList<Molecule> molecules, IReadOnlyList<double> targets, IReadOnlyList<double> predictions)
    {
        var sb = new System.Text.StringBuilder("index,atoms,requested,predicted,abs_error\n");
        for (int i = 0; i < molecules.Count; i++)
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{i},{molecules[i].AtomCount},{targets[i]:R},{predictions[i]:R},{Math.Abs(predictions[i] - targets[i]):R}\n"));
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
