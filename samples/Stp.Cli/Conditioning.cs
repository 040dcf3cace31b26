using System.Globalization;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;

namespace Stp.Cli;

/// <summary>
/// Conditional generation in the CLI, for every backbone: which properties, the data protocol (EDM's units, the
/// predictor / generator halves), the model's context statistics and p(c | N), and the contexts of a sampling run.
/// </summary>
internal static class Conditioning
{
    /// <summary>The property names of --condition / --property values ("alpha", "alpha,gap" or several tokens); null when none.</summary>
    public static IReadOnlyList<string>? Names(IEnumerable<string>? values)
    {
        var names = (values ?? Array.Empty<string>()).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names.Count == 0) return null;
        foreach (var n in names)
            if (!Qm9Properties.All.ContainsKey(n))
                throw new UsageException($"unknown property '{n}' (QM9 properties: {string.Join(", ", Qm9Properties.All.Keys)}).");
        if (names.Distinct().Count() != names.Count) throw new UsageException($"a property is named twice: {string.Join(", ", names)}.");
        return names;
    }

    /// <summary>
    /// The molecules of <paramref name="dataPath"/> that carry every property, in EDM's units. Only QM9 has properties; in
    /// <c>qm9.xyz.gz</c> only the EDM test split does, so the others are left out (said on the console).
    /// </summary>
    public static List<Molecule> Prepare(IReadOnlyList<Molecule> all, IReadOnlyList<string> names, string dataPath, string dataset)
    {
        if (dataset != "qm9") throw new UsageException($"conditioning needs QM9 properties; dataset '{dataset}' has none.");
        var with = all.Where(m => names.All(m.Properties.ContainsKey)).ToList();
        if (with.Count == 0)
        {
            var keys = all.Count > 0 ? string.Join(", ", all[0].Properties.Keys) : "none";
            throw new InvalidDataException($"{dataPath}: no molecule carries {string.Join(" and ", names.Select(n => $"'{n}'"))} (the first record has: {keys}); use qm9_edm_test.xyz.gz, EDM's npz files or the original QM9 records.");
        }
        if (with.Count < all.Count) Console.WriteLine($"Using the {with.Count} of {all.Count} molecules that carry {string.Join(", ", names)}.");
        var converted = Qm9Properties.ToEdmUnits(with);
        for (int i = 0; i < converted.Count; i++)
            foreach (var n in names)
                if (!double.TryParse(converted[i].Properties[n], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw new InvalidDataException($"{dataPath}: record {i} (id {converted[i].Id ?? "?"}): property '{n}' = '{converted[i].Properties[n]}' is not a finite number.");
        return converted;
    }

    /// <summary>
    /// The halves of the conditional protocol, said on the console. EDM's exact split when the data allows it: EDM's
    /// <c>train.npz</c> with <c>valid.npz</c> beside it, or the original QM9 records (tarball or folder) with
    /// <c>uncharacterized.txt</c> beside them; otherwise seeded halves (seed <paramref name="seed"/>) of the molecules given.
    /// </summary>
    public static PropertyHalves Halves(IReadOnlyList<Molecule> molecules, string dataPath, IReadOnlyList<string> names, long seed)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(dataPath)) ?? ".";
        var valid = Path.Combine(dir, "valid.npz");
        var excluded = Path.Combine(Directory.Exists(dataPath) ? Path.GetFullPath(dataPath) : dir, "uncharacterized.txt");
        PropertyHalves h;
        if (Path.GetFileName(dataPath).Equals("train.npz", StringComparison.OrdinalIgnoreCase) && File.Exists(valid))
        {
            h = EdmQm9Split.Protocol(molecules, Prepare(MoleculeDatasets.LoadEdmNpz(valid), names, valid, "qm9"));
            Console.WriteLine($"EDM's split: qm9_first_half / qm9_second_half of {dataPath} (numpy seed-42 permutation), validation {valid} (also the mean and MAD of the properties, as EDM).");
        }
        else if (File.Exists(excluded) && molecules.All(m => m.Properties.ContainsKey("index")))
        {
            var (train, validation, _) = EdmQm9Split.Indices(ReadExcluded(excluded));
            var byIndex = molecules.ToDictionary(m => int.Parse(m.Properties["index"], CultureInfo.InvariantCulture) - 1);
            List<Molecule> Pick(int[] idx) => idx.Select(i => byIndex.TryGetValue(i, out var m) ? m
                : throw new InvalidDataException($"{dataPath}: QM9 record {i + 1} of EDM's split is missing.")).ToList();
            h = EdmQm9Split.Protocol(Pick(train), Pick(validation));
            Console.WriteLine($"EDM's split: QM9 minus {excluded}, numpy seed-0 train/validation/test, then qm9_first_half / qm9_second_half; mean and MAD from the validation split, as EDM.");
        }
        else
        {
            h = PropertyHalves.Split(molecules, seed);
            Console.WriteLine($"Conditional protocol: seeded halves (seed {seed}) of {molecules.Count} molecules. With the 13,083 QM9 molecules that carry properties in ../shared/data the MAEs are not comparable to the paper's table 2 (EDM: 50k + 50k), the protocol is.");
        }
        Console.WriteLine($"Predictor half {h.PredictorTrain.Count} + {h.PredictorValidation.Count} validation, generator half {h.GeneratorTrain.Count} + {h.GeneratorValidation.Count} validation.");
        return h;
    }

    /// <summary>The 1-based gdb indices of QM9's <c>uncharacterized.txt</c> (the first integer of each line, as EDM reads it).</summary>
    internal static int[] ReadExcluded(string path) => File.ReadLines(path)
        .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        .Where(t => t.Length > 0 && int.TryParse(t[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        .Select(t => int.Parse(t[0], CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// Context statistics (mean, MAD) from <paramref name="statistics"/> (the halves' <see cref="PropertyHalves.GeneratorStatistics"/>)
    /// and p(c | N) from the generator's training molecules (EDM's DistributionProperty reads the training loader).
    /// </summary>
    public static void Attach(DiffusionModel model, IReadOnlyList<string> names, IReadOnlyList<Molecule> train, IReadOnlyList<Molecule> statistics)
    {
        model.Context = ContextProperties.FromMolecules(names, statistics);
        model.PropertyDistribution = PropertyDistribution.FromMolecules(names, train);
        Console.WriteLine("Conditioning on " + string.Join(", ", names.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"{n} (mean {model.Context.Means[i]:G5}, MAD {model.Context.Mads[i]:G5} {Qm9Properties.Find(n).Unit})"))));
    }

    /// <summary>
    /// Contexts of a run: none for an unconditional model (then <paramref name="specs"/> must be empty); else every
    /// property of the model drawn from p(c | N) (seeded), except those fixed by "name=value" in <paramref name="specs"/>.
    /// </summary>
    public static float[][]? Contexts(DiffusionModel model, IReadOnlyList<int> sizes, IReadOnlyList<string>? specs, long seed)
    {
        var fixedValues = Fixed(specs);
        if (model.Context is not { } ctx)
        {
            if (fixedValues.Count > 0) throw new UsageException("--condition: the model is unconditional.");
            if (model.ContextCount > 0) throw new InvalidDataException("The model is conditional but its file has no context statistics.");
            return null;
        }
        foreach (var n in fixedValues.Keys)
            if (!ctx.Names.Contains(n)) throw new UsageException($"--condition: the model is conditioned on {string.Join(", ", ctx.Names)}, not '{n}'.");
        double[][] raw;
        if (ctx.Names.All(fixedValues.ContainsKey)) raw = sizes.Select(_ => ctx.Names.Select(n => fixedValues[n]).ToArray()).ToArray();
        else
        {
            var p = model.PropertyDistribution ?? throw new InvalidDataException("The model file has no p(c | N); give every property a value: --condition name=value.");
            raw = p.Sample(sizes, seed).Select(v => ctx.Names.Select(n => fixedValues.TryGetValue(n, out var f) ? f : v[p.Names.ToList().IndexOf(n)]).ToArray()).ToArray();
        }
        return raw.Select(v => ctx.Normalize(v)).ToArray();
    }

    private static Dictionary<string, double> Fixed(IReadOnlyList<string>? specs)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var spec in (specs ?? Array.Empty<string>()).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parts = spec.Split('=', 2);
            if (parts.Length != 2) throw new UsageException($"--condition: '{spec}' is not name=value (leave a property out to draw it from p(c | N)).");
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new UsageException($"--condition: '{parts[1]}' is not a number (property '{parts[0]}', in EDM's unit {(Qm9Properties.All.TryGetValue(parts[0], out var q) ? q.Unit : "?")}).");
            result[parts[0]] = v;
        }
        return result;
    }
}
