using System.Globalization;
using Stp.Chemistry;
using Stp.Data.Npy;

namespace Stp.Data;

/// <summary>
/// Loads molecule datasets from the common formats: multi-molecule XYZ (optionally .gz; QM9 as shipped in
/// <c>shared/data</c>), SDF, EDM's processed QM9 <c>.npz</c> (num_atoms, charges, positions), EDM's GEOM-Drugs
/// <c>.npy</c> (rows [conformer_id, Z, x, y, z]) and a folder of per-molecule QM9 xyz files (the original dsgdb9nsd format,
/// including its <c>*^</c> exponents).
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

    /// <summary>EDM's processed QM9 split file (num_atoms, charges = atomic numbers, positions).</summary>
    public static List<Molecule> LoadEdmNpz(string path)
    {
        var npz = NpzFile.Read(path);
        foreach (var key in new[] { "num_atoms", "charges", "positions" })
            if (!npz.ContainsKey(key)) throw new InvalidDataException($"{path}: missing array '{key}' (not an EDM QM9 npz).");
        var n = npz["num_atoms"].ToInt64(); var z = npz["charges"]; var p = npz["positions"];
        int maxN = z.Shape[1];
        var result = new List<Molecule>(n.Length);
        for (int i = 0; i < n.Length; i++)
        {
            int k = (int)n[i];
            var zi = new int[k]; var pi = new double[3 * k];
            for (int a = 0; a < k; a++)
            {
                zi[a] = (int)z.Data[i * maxN + a];
                for (int d = 0; d < 3; d++) pi[3 * a + d] = p.Data[(i * maxN + a) * 3 + d];
            }
            var props = new Dictionary<string, string> { ["id"] = i.ToString(CultureInfo.InvariantCulture) };
            foreach (var (key, arr) in npz)
                if (arr.Shape.Length == 1 && arr.Shape[0] == n.Length && key is not "num_atoms")
                    props[key] = arr.Data[i].ToString("R", CultureInfo.InvariantCulture);
            result.Add(new Molecule(zi, pi, props));
        }
        return result;
    }

    /// <summary>EDM's GEOM-Drugs array: rows [conformer_id, atomic_number, x, y, z]; a new molecule starts where the id changes.</summary>
    public static List<Molecule> LoadGeomNpy(string path)
    {
        var a = NpzFile.ReadNpy(path);
        if (a.Shape.Length != 2 || a.Shape[1] != 5) throw new InvalidDataException($"{path}: expected a (rows, 5) array [id, Z, x, y, z], got shape ({string.Join(", ", a.Shape)}).");
        var result = new List<Molecule>();
        int rows = a.Shape[0], start = 0;
        for (int r = 1; r <= rows; r++)
        {
            if (r < rows && a.Data[r * 5] == a.Data[start * 5]) continue;
            int k = r - start;
            var z = new int[k]; var p = new double[3 * k];
            for (int i = 0; i < k; i++)
            {
                z[i] = (int)a.Data[(start + i) * 5 + 1];
                for (int d = 0; d < 3; d++) p[3 * i + d] = a.Data[(start + i) * 5 + 2 + d];
            }
            result.Add(new Molecule(z, p, new Dictionary<string, string> { ["id"] = ((long)a.Data[start * 5]).ToString(CultureInfo.InvariantCulture) }));
            start = r;
        }
        return result;
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
        if (!int.TryParse(lines[0].Trim(), out int n) || n <= 0 || lines.Length < n + 2)
            throw new MoleculeFormatException(source, 1, 1, $"bad atom count '{lines[0].Trim()}'");
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
                throw new MoleculeFormatException(source, 1, 3 + a, $"bad atom line '{lines[2 + a].Trim()}'");
            for (int d = 0; d < 3; d++)
                if (!double.TryParse(parts[1 + d].Replace("*^", "e"), NumberStyles.Float, CultureInfo.InvariantCulture, out pos[3 * a + d]))
                    throw new MoleculeFormatException(source, 1, 3 + a, $"bad coordinate '{parts[1 + d]}'");
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
}
