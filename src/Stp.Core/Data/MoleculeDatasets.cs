using System.Globalization;
using System.Numerics;
using Stp.Chemistry;
using Stp.Data.Npy;

namespace Stp.Data;

/// <summary>
/// Loads molecule datasets from the common formats: multi-molecule XYZ (optionally .gz; QM9 as shipped in
/// <c>shared/data</c>), SDF, EDM's processed QM9 <c>.npz</c> (num_atoms, charges, positions), EDM's GEOM-Drugs
/// <c>.npy</c> (rows [conformer_id, Z, x, y, z]) and a folder of per-molecule QM9 xyz files (the original dsgdb9nsd format,
/// including its <c>*^</c> exponents); and splits them into train/validation/test (<see cref="SplitQm9"/>, and
/// <see cref="SplitGeom(IReadOnlyList{Molecule}, IReadOnlyList{int}, double, double)"/> with EDM's GEOM rule).
/// </summary>
public static class MoleculeDatasets
{
    /// <summary>Loads every molecule of a file or folder, choosing the reader by extension.</summary>
    public static List<Molecule> Load(string path)
    {
        if (Directory.Exists(path)) return LoadQm9Folder(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset not found: {path}", path);
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".xyz") || lower.EndsWith(".xyz.gz")) return XyzFile.Read(path).ToList();
        if (lower.EndsWith(".sdf") || lower.EndsWith(".sdf.gz")) return SdfFile.Read(path).Select(r => r.Molecule).ToList();
        if (lower.EndsWith(".npz")) return LoadEdmNpz(path);
        if (lower.EndsWith(".npy")) return LoadGeomNpy(path);
        throw new NotSupportedException($"Unknown dataset format: {path} (expected .xyz[.gz], .sdf[.gz], EDM .npz, GEOM .npy or a folder of QM9 xyz files).");
    }

    /// <summary>
    /// EDM's processed QM9 split file: arrays <c>num_atoms</c> (M), <c>charges</c> (M, N; atomic numbers, zero-padded)
    /// and <c>positions</c> (M, N, 3); every other length-M 1-D array becomes a property (e.g. <c>homo</c>).
    /// </summary>
    /// <exception cref="DataFileException">Not an npz, a missing array, mismatched shapes or a bad atom; the message names the file.</exception>
    public static List<Molecule> LoadEdmNpz(string path)
    {
        var npz = NpzFile.Read(path);
        foreach (var key in new[] { "num_atoms", "charges", "positions" })
            if (!npz.ContainsKey(key))
                throw new DataFileException(path, $"missing array '{key}' (not an EDM QM9 npz; it holds {string.Join(", ", npz.Keys.Order(StringComparer.Ordinal))})");
        var (nArr, zArr, pArr) = (npz["num_atoms"], npz["charges"], npz["positions"]);
        long m = nArr.Length;
        if (nArr.Shape.Length != 1 || zArr.Shape is not [var zm, var maxN] || zm != m || pArr.Shape is not [var pm, var pn, 3] || pm != m || pn != maxN)
            throw new DataFileException(path, $"shapes num_atoms {NpyHeader.FormatShape(nArr.Shape)}, charges {NpyHeader.FormatShape(zArr.Shape)}, positions {NpyHeader.FormatShape(pArr.Shape)} do not fit EDM's layout (M,), (M, N), (M, N, 3)");
        var n = nArr.ToDouble(); var z = zArr.ToDouble(); var p = pArr.ToDouble();
        var columns = npz.Where(kv => kv.Value.Shape is [var len] && len == m && kv.Key != "num_atoms")
            .Select(kv => (kv.Key, Values: kv.Value.ToDouble())).ToList();
        var result = new List<Molecule>((int)Math.Min(m, Array.MaxLength));
        for (long i = 0; i < m; i++)
        {
            if (!(n[i] >= 1 && n[i] <= maxN && n[i] == Math.Floor(n[i])))
                throw new DataFileException(path, $"num_atoms is {n[i].ToString(CultureInfo.InvariantCulture)}, not a whole number in 1..{maxN} (the padded width)", $"molecule {i}");
            long k = (long)n[i];
            var zi = new int[k]; var pi = new double[3 * k];
            for (long a = 0; a < k; a++)
            {
                if (Plausibility.AtomicNumberProblem(z[i * maxN + a]) is { } badZ)
                    throw new DataFileException(path, $"charges: {badZ} (num_atoms {k})", $"molecule {i}, atom {a}");
                zi[a] = (int)z[i * maxN + a];
                for (int d = 0; d < 3; d++)
                {
                    pi[3 * a + d] = p[(i * maxN + a) * 3 + d];
                    if (Plausibility.CoordinateProblem(pi[3 * a + d]) is { } badX)
                        throw new DataFileException(path, "positions: " + badX, $"molecule {i}, atom {a}");
                }
            }
            var props = new Dictionary<string, string> { ["id"] = i.ToString(CultureInfo.InvariantCulture) };
            foreach (var (key, values) in columns) props[key] = values[i].ToString("R", CultureInfo.InvariantCulture);
            result.Add(new Molecule(zi, pi, props));
        }
        return result;
    }

    /// <summary>
    /// EDM's GEOM-Drugs array (<c>geom_drugs_30.npy</c>): rows [conformer_id, atomic_number, x, y, z], float32 or
    /// float64; a new conformer starts wherever the id (truncated to an integer, as EDM does) changes. The file is
    /// streamed in chunks of rows, never read whole, so the 13 GB original loads in bounded extra memory.
    /// </summary>
    /// <exception cref="DataFileException">Not a (rows, 5) float array, truncated, or a bad row; the message names the file (and row).</exception>
    public static List<Molecule> LoadGeomNpy(string path) => LoadGeomNpy(path, GeomChunkRows);

    /// <summary>Rows read from a GEOM .npy at once by <see cref="LoadGeomNpy(string)"/>.</summary>
    internal const int GeomChunkRows = 1 << 16;

    /// <summary><see cref="LoadGeomNpy(string)"/> with an explicit chunk size in rows (tests use tiny chunks).</summary>
    internal static List<Molecule> LoadGeomNpy(string path, int chunkRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        using var reader = NpyReader.Open(path);
        var h = reader.Header;
        if (h.Shape is not [_, 5])
            throw new DataFileException(path, $"expected a (rows, 5) array [conformer_id, Z, x, y, z], got shape {h.ShapeText}");
        if (h.DType.ClrType == typeof(float)) return ReadGeomRows<float>(reader, chunkRows);
        if (h.DType.ClrType == typeof(double)) return ReadGeomRows<double>(reader, chunkRows);
        throw new DataFileException(path, $"GEOM array has dtype '{h.DType}'; expected float32 or float64");
    }

    private static List<Molecule> ReadGeomRows<T>(NpyReader reader, int chunkRows) where T : unmanaged, INumberBase<T>
    {
        var buffer = new T[checked(chunkRows * 5)];
        var result = new List<Molecule>();
        var z = new List<int>(); var pos = new List<double>();
        long id = 0, row = 0;
        for (int n; (n = reader.Read<T>(buffer)) > 0;)
        {
            for (int i = 0; i < n; i += 5, row++)
            {
                double rawId = double.CreateTruncating(buffer[i]), rawZ = double.CreateTruncating(buffer[i + 1]);
                if (!double.IsFinite(rawId)) throw BadRow($"conformer id {rawId} is not finite");
                long rowId = (long)rawId;
                if (z.Count > 0 && rowId != id) Flush();
                id = rowId;
                if (Plausibility.AtomicNumberProblem(rawZ) is { } badZ) throw BadRow(badZ);
                z.Add((int)rawZ);
                for (int d = 2; d < 5; d++)
                {
                    double c = double.CreateTruncating(buffer[i + d]);
                    if (Plausibility.CoordinateProblem(c) is { } badX) throw BadRow(badX);
                    pos.Add(c);
                }
            }
        }
        if (z.Count > 0) Flush();
        return result;

        void Flush()
        {
            result.Add(new Molecule(z.ToArray(), pos.ToArray(), new Dictionary<string, string> { ["id"] = id.ToString(CultureInfo.InvariantCulture) }));
            z.Clear(); pos.Clear();
        }

        DataFileException BadRow(string problem) => new(reader.Source, problem, $"row {row} (0-based)");
    }

    /// <summary>A folder of original QM9 files (dsgdb9nsd_NNNNNN.xyz).</summary>
    public static List<Molecule> LoadQm9Folder(string folder)
    {
        var files = Directory.GetFiles(folder, "*.xyz").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new FileNotFoundException($"No .xyz files in {folder}.");
        return files.Select(f => ParseQm9Record(File.ReadAllText(f), f)).ToList();
    }

    /// <summary>
    /// Parses one original QM9 record: N, a property line "gdb id A B C mu alpha homo lumo gap r2 zpve U0 U H G Cv",
    /// N lines "El x y z charge" (numbers may use Mathematica's "*^" exponent), then frequencies, SMILES and InChI.
    /// </summary>
    public static Molecule ParseQm9Record(string text, string source)
    {
        var lines = text.Split('\n');
        if (!int.TryParse(lines[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n <= 0)
            throw new MoleculeFormatException(source, 1, 1, $"bad atom count '{XyzFile.Trunc(lines[0].Trim())}'");
        if (lines.Length < n + 2)
            throw new MoleculeFormatException(source, 1, 1, $"atom count {n} but the record has only {Math.Max(0, lines.Length - 2)} lines after the property line");
        var props = new Dictionary<string, string>();
        var head = lines[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string[] names = { "tag", "index", "A", "B", "C", "mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "U0", "U", "H", "G", "Cv" };
        for (int i = 0; i < Math.Min(names.Length, head.Length); i++) props[names[i]] = head[i];
        if (props.TryGetValue("index", out var idx)) props["id"] = idx;
        var z = new int[n]; var pos = new double[3 * n];
        for (int a = 0; a < n; a++)
        {
            var parts = lines[2 + a].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 4 || !Element.TryAtomicNumber(parts[0], out z[a]))
                throw new MoleculeFormatException(source, 1, 3 + a, $"bad atom line '{XyzFile.Trunc(lines[2 + a].Trim())}'");
            for (int d = 0; d < 3; d++)
            {
                if (!double.TryParse(parts[1 + d].Replace("*^", "e"), NumberStyles.Float, CultureInfo.InvariantCulture, out pos[3 * a + d]))
                    throw new MoleculeFormatException(source, 1, 3 + a, $"bad coordinate '{XyzFile.Trunc(parts[1 + d])}'");
                if (Plausibility.CoordinateProblem(pos[3 * a + d], parts[1 + d]) is { } problem)
                    throw new MoleculeFormatException(source, 1, 3 + a, problem);
            }
        }
        if (lines.Length > n + 3) props["smiles"] = lines[n + 3].Split('\t', ' ')[0].Trim();
        return new Molecule(z, pos, props);
    }

    /// <summary>
    /// QM9 split as used here: molecules tagged <c>split=edm_test</c> are the test set (EDM's exact 13,083-molecule
    /// test split); the rest is split by a seeded permutation into <paramref name="validationFraction"/> validation and
    /// the remainder training.
    /// </summary>
    public static (List<Molecule> Train, List<Molecule> Validation, List<Molecule> Test) SplitQm9(IReadOnlyList<Molecule> all, long seed = 0, double validationFraction = 0.15)
    {
        var test = all.Where(m => m.Properties.TryGetValue("split", out var s) && s == "edm_test").ToList();
        var rest = all.Where(m => !(m.Properties.TryGetValue("split", out var s) && s == "edm_test")).ToList();
        var order = Enumerable.Range(0, rest.Count).Select(i => (Key: Randomness.CounterRandom.Uniform(Randomness.RandomDomain.Split, seed, 0, 0, i), Index: i))
            .OrderBy(p => p.Key).Select(p => p.Index).ToArray();
        int nValid = (int)Math.Round(rest.Count * validationFraction);
        return (order.Skip(nValid).Select(i => rest[i]).ToList(), order.Take(nValid).Select(i => rest[i]).ToList(), test);
    }

    /// <summary>File name of EDM's fixed GEOM-Drugs permutation (<c>data/geom/geom_permutation.npy</c>), looked for beside the data file.</summary>
    public const string GeomPermutationFileName = "geom_permutation.npy";

    /// <summary>
    /// Reads EDM's <see cref="GeomPermutationFileName"/> from the folder of <paramref name="dataPath"/> (the GEOM
    /// <c>.npy</c>), through the npy reader; null when the folder has none.
    /// </summary>
    /// <exception cref="DataFileException">The file is not a 1-D integer array of non-negative int32 values; the message names it.</exception>
    public static int[]? LoadGeomPermutation(string dataPath)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataPath)) ?? ".", GeomPermutationFileName);
        if (!File.Exists(file)) return null;
        var a = NpzFile.ReadNpy(file);
        if (a.Shape.Length != 1 || a.DType.Kind is not ('i' or 'u'))
            throw new DataFileException(file, $"expected a 1-D integer permutation, got '{a.DType}' of shape {NpyHeader.FormatShape(a.Shape)}");
        var values = a.ToInt64();
        for (long i = 0; i < values.LongLength; i++)
            if (values[i] is < 0 or > int.MaxValue) throw new DataFileException(file, $"entry {i} is {values[i]}, not a conformer index");
        return Array.ConvertAll(values, v => (int)v);
    }

    /// <summary>
    /// GEOM-Drugs split by EDM's rule (<c>build_geom_dataset.py</c>, <c>load_split_data</c>): the M conformers are
    /// reordered as <c>all[permutation[0]], all[permutation[1]], ...</c>; validation is the first
    /// int(<paramref name="validationFraction"/> x M), test the next int(<paramref name="testFraction"/> x M), training
    /// the rest. The split is over conformers, so conformers of one molecule can land in different splits (as in EDM).
    /// </summary>
    /// <param name="all">Conformers in file order (as <see cref="LoadGeomNpy(string)"/> returns them).</param>
    /// <param name="permutation">A permutation of 0..M-1, e.g. EDM's <see cref="GeomPermutationFileName"/> (<see cref="LoadGeomPermutation"/>).</param>
    /// <param name="validationFraction">EDM: 0.1.</param>
    /// <param name="testFraction">EDM: 0.1.</param>
    /// <exception cref="ArgumentException"><paramref name="permutation"/> is not a permutation of 0..M-1, or bad fractions.</exception>
    public static (List<Molecule> Train, List<Molecule> Validation, List<Molecule> Test) SplitGeom(
        IReadOnlyList<Molecule> all, IReadOnlyList<int> permutation, double validationFraction = 0.1, double testFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(permutation);
        if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction <= 1))
            throw new ArgumentException($"Fractions {validationFraction} (validation) and {testFraction} (test) must be >= 0 and sum to at most 1.");
        int m = all.Count;
        if (permutation.Count != m)
            throw new ArgumentException($"The permutation has {permutation.Count} entries, the dataset {m} conformers.", nameof(permutation));
        var seen = new bool[m];
        for (int i = 0; i < m; i++)
        {
            int p = permutation[i];
            if (p < 0 || p >= m) throw new ArgumentException($"Permutation entry {i} is {p}, outside 0..{m - 1}.", nameof(permutation));
            if (seen[p]) throw new ArgumentException($"Permutation entry {i} repeats index {p}.", nameof(permutation));
            seen[p] = true;
        }
        int nValid = (int)(m * validationFraction), nTest = (int)(m * testFraction);
        var ordered = permutation.Select(i => all[i]).ToList();
        return (ordered.GetRange(nValid + nTest, m - nValid - nTest), ordered.GetRange(0, nValid), ordered.GetRange(nValid, nTest));
    }

    /// <summary>
    /// <see cref="SplitGeom(IReadOnlyList{Molecule}, IReadOnlyList{int}, double, double)"/> with a permutation drawn
    /// from <paramref name="seed"/> (deterministic on every platform; not EDM's fixed file, which is used when available).
    /// </summary>
    public static (List<Molecule> Train, List<Molecule> Validation, List<Molecule> Test) SplitGeom(
        IReadOnlyList<Molecule> all, long seed, double validationFraction = 0.1, double testFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(all);
        return SplitGeom(all, SeededPermutation(all.Count, seed), validationFraction, testFraction);
    }

    /// <summary>A permutation of 0..count-1, a pure function of (count, seed): Fisher-Yates driven by the split random domain (stream 1).</summary>
    internal static int[] SeededPermutation(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var p = new int[count];
        for (int i = 0; i < count; i++) p[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)Math.Min(i, Math.Floor(Randomness.CounterRandom.Uniform(Randomness.RandomDomain.Split, seed, 1, 0, i) * (i + 1)));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
