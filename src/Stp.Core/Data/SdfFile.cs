using System.Globalization;
using System.Text;
using Stp.Chemistry;

namespace Stp.Data;

/// <summary>MDL SDF (V2000) files: molecules with optional bonds (atom indices are 0-based in the API).</summary>
public static class SdfFile
{
    /// <summary>Writes molecules and their bonds (i, j, order 1..3) atomically.</summary>
    /// <exception cref="InvalidOperationException">There are no records: an empty file is not written (an existing one is kept).</exception>
    public static void Write(string path, IEnumerable<(Molecule Molecule, IReadOnlyList<(int I, int J, int Order)> Bonds)> records)
    {
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            int written = 0;
            foreach (var (m, bonds) in records) { WriteOne(w, m, bonds); written++; }
            if (written == 0) throw new InvalidOperationException($"No molecules to write to {path}: an empty SDF file is not written.");
        });
    }

    /// <summary>The title line of a record: the molecule's id (or "molecule"), its size and its formula, e.g. "17 N=19 C7H10O2".</summary>
    public static string Title(Molecule m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var title = $"{m.Id ?? "molecule"} N={m.AtomCount} {m.Formula}";
        return title.Length <= 80 ? title : title[..80]; // V2000 title lines hold 80 characters
    }

    /// <summary>Writes one V2000 record.</summary>
    public static void WriteOne(TextWriter w, Molecule m, IReadOnlyList<(int I, int J, int Order)> bonds)
    {
        if (m.AtomCount > 999 || bonds.Count > 999) throw new ArgumentException($"V2000 holds at most 999 atoms and bonds (molecule {m.Id}: {m.AtomCount} atoms, {bonds.Count} bonds).");
        var ci = CultureInfo.InvariantCulture;
        if (!CanWrite(m)) throw new ArgumentException($"Molecule {m.Id}: coordinates outside the V2000 range (|x| < 10000 A) or not finite.");
        w.Write(Title(m) + "\n");
        w.Write("  Stp     3D\n\n");
        w.Write(string.Format(ci, "{0,3}{1,3}  0  0  0  0  0  0  0  0999 V2000\n", m.AtomCount, bonds.Count));
        for (int a = 0; a < m.AtomCount; a++)
        {
            w.Write(string.Format(ci, "{0,10:F4}{1,10:F4}{2,10:F4} {3,-3} 0  0  0  0  0  0  0  0  0  0  0  0\n",
                m.Positions[3 * a], m.Positions[3 * a + 1], m.Positions[3 * a + 2], Element.Symbol(m.AtomicNumbers[a])));
        }
        foreach (var (i, j, order) in bonds)
        {
            if (i < 0 || j < 0 || i >= m.AtomCount || j >= m.AtomCount || order is < 1 or > 4)
                throw new ArgumentException($"Bad bond ({i}, {j}, order {order}) in molecule {m.Id} with {m.AtomCount} atoms.");
            w.Write(string.Format(ci, "{0,3}{1,3}{2,3}  0\n", i + 1, j + 1, order));
        }
        w.Write("M  END\n");
        foreach (var (k, v) in m.Properties.Where(kv => kv.Key != "comment"))
            w.Write($"> <{k}>\n{v}\n\n");
        w.Write("$$$$\n");
    }

    /// <summary>True when every coordinate fits V2000's fixed-width fields (finite, |x| &lt; 10000 A).</summary>
    public static bool CanWrite(Molecule m) => m.Positions.All(p => double.IsFinite(p) && Math.Abs(p) < 9999.99);

    /// <summary>Reads every record (atoms, coordinates and bonds); throws on the first bad record (errors name the file, record and line).</summary>
    public static List<(Molecule Molecule, List<(int I, int J, int Order)> Bonds)> Read(string path)
    {
        var result = ReadLenient(path, out var errors);
        if (errors.Count > 0) throw errors[0];
        return result;
    }

    /// <summary>
    /// Reads every well-formed record and collects the bad ones instead of stopping (the same policy as
    /// <see cref="XyzFile.ReadLenient"/>): a bad record is skipped up to its <c>$$$$</c> line and reading continues.
    /// </summary>
    public static List<(Molecule Molecule, List<(int I, int J, int Order)> Bonds)> ReadLenient(string path, out List<MoleculeFormatException> errors)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a folder, not an SDF file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"SDF file not found: {path}", path);
        using var stream = XyzFile.OpenRead(path);
        using var reader = new StreamReader(stream);
        return Read(reader, path, out errors);
    }

    /// <summary>Reads SDF text (throws on the first bad record).</summary>
    public static List<(Molecule Molecule, List<(int I, int J, int Order)> Bonds)> Read(TextReader reader, string name)
    {
        var result = Read(reader, name, out var errors);
        if (errors.Count > 0) throw errors[0];
        return result;
    }

    private static List<(Molecule Molecule, List<(int I, int J, int Order)> Bonds)> Read(TextReader reader, string name, out List<MoleculeFormatException> errors)
    {
        var result = new List<(Molecule, List<(int, int, int)>)>();
        errors = new List<MoleculeFormatException>();
        var lines = new LineCursor(reader);
        int record = 0;
        while (true)
        {
            while (lines.Peek() is { } blank && string.IsNullOrWhiteSpace(blank) && lines.PeekAt(1) is null) lines.Next();
            if (lines.Peek() is null) break;
            record++;
            try
            {
                result.Add(ReadRecord(lines, name, record));
            }
            catch (MoleculeFormatException e)
            {
                errors.Add(e);
                while (lines.Next() is { } l && l != "$$$$") { }
            }
        }
        return result;
    }

    private static bool IsCountsLine(string? line) => line is { Length: >= 6 } && (line.Contains("V2000") || line.Contains("V3000"));

    private static (Molecule, List<(int, int, int)>) ReadRecord(LineCursor lines, string name, int record)
    {
        string title = lines.Next()!;
        lines.Next(); lines.Next();
        string counts = lines.Next() ?? throw new MoleculeFormatException(name, record, lines.Number, "file ends before the counts line");
        if (counts.Contains("V3000")) throw new MoleculeFormatException(name, record, lines.Number, "V3000 records are not supported");
        if (counts.Length < 6 || !int.TryParse(counts[..3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int na) || !int.TryParse(counts.Substring(3, 3), NumberStyles.Integer, CultureInfo.InvariantCulture, out int nb))
            throw new MoleculeFormatException(name, record, lines.Number, $"bad counts line '{XyzFile.Trunc(counts)}'");
        if (na <= 0 || nb < 0 || na > 999 || nb > 999)
            throw new MoleculeFormatException(name, record, lines.Number, na == 0 ? "molecule has zero atoms" : $"impossible atom/bond counts {na}/{nb} (V2000 allows 1..999)");
        var z = new int[na]; var pos = new double[3 * na];
        for (int a = 0; a < na; a++)
        {
            string l = lines.Next() ?? throw new MoleculeFormatException(name, record, lines.Number, "file ends inside the atom block");
            var parts = AtomFields(l);
            if (parts.Length < 4) throw new MoleculeFormatException(name, record, lines.Number, $"bad atom line '{XyzFile.Trunc(l)}'");
            for (int d = 0; d < 3; d++)
            {
                if (!double.TryParse(parts[d], NumberStyles.Float, CultureInfo.InvariantCulture, out pos[3 * a + d]))
                    throw new MoleculeFormatException(name, record, lines.Number, $"bad coordinate '{parts[d]}'");
                if (Plausibility.CoordinateProblem(pos[3 * a + d], parts[d]) is { } problem)
                    throw new MoleculeFormatException(name, record, lines.Number, problem);
            }
            if (!Element.TryAtomicNumber(parts[3], out z[a])) throw new MoleculeFormatException(name, record, lines.Number, $"unknown element '{XyzFile.Trunc(parts[3])}'");
        }
        var bonds = new List<(int, int, int)>();
        for (int b = 0; b < nb; b++)
        {
            string l = lines.Next() ?? throw new MoleculeFormatException(name, record, lines.Number, "file ends inside the bond block");
            if (l.Length < 9 || !int.TryParse(l[..3], out int i) || !int.TryParse(l.Substring(3, 3), out int j) || !int.TryParse(l.Substring(6, 3), out int o)
                || i < 1 || j < 1 || i > na || j > na || o is < 1 or > 8)
                throw new MoleculeFormatException(name, record, lines.Number, $"bad bond line '{XyzFile.Trunc(l)}'");
            bonds.Add((i - 1, j - 1, o));
        }
        var props = new Dictionary<string, string> { ["name"] = title.Trim() };
        bool ended = false;
        while (lines.Peek() is { } l)
        {
            if (l == "$$$$") { lines.Next(); break; }
            if (l.StartsWith("M  END", StringComparison.Ordinal)) { ended = true; lines.Next(); continue; }
            if (!ended || l.StartsWith("M  ", StringComparison.Ordinal)) { lines.Next(); continue; }
            if (l.StartsWith("> ", StringComparison.Ordinal) && l.Contains('<') && l.LastIndexOf('>') > l.IndexOf('<'))
            {
                lines.Next();
                var key = l[(l.IndexOf('<') + 1)..l.LastIndexOf('>')];
                if (lines.Peek() is { } value && value != "$$$$") { lines.Next(); if (value.Length > 0) props[key] = value; }
                while (lines.Peek() is { } more && more.Length > 0 && more != "$$$$" && !more.StartsWith("> ", StringComparison.Ordinal)) lines.Next();
                continue;
            }
            if (ended && IsCountsLine(lines.PeekAt(3))) break; // the next record starts without a $$$$ terminator (its title may be blank)
            if (string.IsNullOrWhiteSpace(l)) { lines.Next(); continue; }
            break; // a line that belongs to no property: the next record starts here
        }
        return (new Molecule(z, pos, props), bonds);
    }

    /// <summary>
    /// x, y, z and the element of a V2000 atom line: the fixed columns (10 + 10 + 10 characters, a space, the symbol), so
    /// that coordinates of 1000 A or more that touch their neighbour (e.g. "79.2176-1092.4409") still read; lines that do
    /// not follow the columns are split on whitespace.
    /// </summary>
    internal static string[] AtomFields(string line)
    {
        if (line.Length >= 32)
        {
            var fixedFields = new[] { line[..10].Trim(), line[10..20].Trim(), line[20..30].Trim(), line[31..Math.Min(34, line.Length)].Trim() };
            if (fixedFields.Take(3).All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) && fixedFields[3].Length > 0)
                return fixedFields;
        }
        return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }
}
