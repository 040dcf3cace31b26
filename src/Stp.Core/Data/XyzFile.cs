using System.Globalization;
using System.IO.Compression;
using System.Text;
using Stp.Chemistry;

namespace Stp.Data;

/// <summary>
/// Multi-molecule XYZ files (optionally gzip-compressed, by the ".gz" extension): an atom-count line, a comment line
/// (its <c>key=value</c> tokens become <see cref="Molecule.Properties"/>), then one <c>Element x y z</c> line per atom.
/// </summary>
public static class XyzFile
{
    /// <summary>Reads every molecule; throws <see cref="MoleculeFormatException"/> on the first bad record.</summary>
    public static IEnumerable<Molecule> Read(string path)
    {
        foreach (var (molecule, error) in ReadRecords(path))
        {
            if (error is not null) throw error;
            yield return molecule!;
        }
    }

    /// <summary>
    /// Reads every well-formed molecule and collects the bad records instead of stopping
    /// (for long evaluations: nothing is silently dropped, the errors say what was skipped).
    /// </summary>
    public static List<Molecule> ReadLenient(string path, out List<MoleculeFormatException> errors)
    {
        var list = new List<Molecule>();
        errors = new List<MoleculeFormatException>();
        foreach (var (molecule, error) in ReadRecords(path))
        {
            if (error is not null) errors.Add(error);
            else list.Add(molecule!);
        }
        return list;
    }

    /// <summary>Parses XYZ text (for tests and in-memory data). <paramref name="name"/> is used in error messages.</summary>
    public static List<Molecule> Parse(string text, string name = "<text>")
    {
        using var reader = new StringReader(text);
        return ReadRecords(reader, name).Select(r => r.Error is null ? r.Molecule! : throw r.Error).ToList();
    }

    private static IEnumerable<(Molecule? Molecule, MoleculeFormatException? Error)> ReadRecords(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a folder, not an XYZ file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"XYZ file not found: {path}", path);
        using var stream = OpenRead(path);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        foreach (var r in ReadRecords(reader, path)) yield return r;
    }

    /// <summary>Opens a file for reading, decompressing ".gz" (a truncated or corrupt gzip stream is an error naming the file).</summary>
    internal static Stream OpenRead(string path)
    {
        Stream s = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new CheckedGzipStream(s, path) : s;
    }

    private static IEnumerable<(Molecule? Molecule, MoleculeFormatException? Error)> ReadRecords(TextReader reader, string file)
    {
        var lines = new LineCursor(reader);
        int record = 0;
        while (true)
        {
            while (lines.Peek() is { } blank && string.IsNullOrWhiteSpace(blank)) lines.Next();
            if (lines.Peek() is not { } line) yield break;
            record++;
            int countLine = lines.Number + 1;
            if (!TryCount(line, out int n))
            {
                int first = countLine, last = SkipToNextRecord(lines);
                yield return (null, new MoleculeFormatException(file, record, first, $"expected an atom count, found '{Trunc(line)}'; skipped lines {first}-{last}"));
                continue;
            }
            lines.Next();
            if (lines.Next() is not { } comment) { yield return (null, new MoleculeFormatException(file, record, countLine + 1, "file ends before the comment line")); yield break; }
            // Grown line by line, never sized by the count line: a count of 2^31-1 costs nothing until atoms are read.
            var z = new List<int>();
            var pos = new List<double>();
            string? problem = null; int problemLine = 0;
            bool shortRecord = false;
            for (int i = 0; i < n; i++)
            {
                if (lines.Peek() is not { } atom) { yield return (null, new MoleculeFormatException(file, record, lines.Number, $"file ends after {i} of {n} atoms")); yield break; }
                if (i > 0 && TryCount(atom, out _) && IsAtomLine(lines.PeekAt(2)))
                {
                    // The next record starts here: this record's count is too large.
                    problem = $"atom count {n} but only {i} atom lines before the next record"; problemLine = countLine; shortRecord = true;
                    break;
                }
                lines.Next();
                if (problem is not null) continue;
                var parts = atom.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 4) { problem = $"expected 'Element x y z', found '{Trunc(atom)}'"; problemLine = lines.Number; continue; }
                if (!Element.TryAtomicNumber(parts[0], out int atomic)) { problem = $"unknown element '{Trunc(parts[0])}'"; problemLine = lines.Number; continue; }
                z.Add(atomic);
                for (int d = 0; d < 3 && problem is null; d++)
                {
                    if (!double.TryParse(parts[1 + d], NumberStyles.Float, CultureInfo.InvariantCulture, out double c))
                        problem = $"bad coordinate '{parts[1 + d]}'";
                    else problem = Plausibility.CoordinateProblem(c, parts[1 + d]);
                    if (problem is not null) problemLine = lines.Number;
                    pos.Add(c);
                }
            }
            if (!shortRecord && IsAtomLine(lines.Peek()))
            {
                // More atom lines follow than the count says: the count is too small.
                int last = SkipToNextRecord(lines);
                yield return (null, new MoleculeFormatException(file, record, countLine, $"atom count {n} but more atom lines follow; skipped the record (lines {countLine}-{last})"));
                continue;
            }
            if (problem is not null) { yield return (null, new MoleculeFormatException(file, record, problemLine, problem)); continue; }
            if (n == 0) { yield return (null, new MoleculeFormatException(file, record, countLine, "molecule has zero atoms")); continue; }
            yield return (new Molecule(z.ToArray(), pos.ToArray(), ParseComment(comment)), null);
        }
    }

    private static bool TryCount(string line, out int n) =>
        int.TryParse(line.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) && n >= 0;

    private static bool IsAtomLine(string? line)
    {
        if (line is null) return false;
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 4 && Element.TryAtomicNumber(parts[0], out _)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Consumes lines up to the next plausible record start (a count line whose line after the comment is an atom line); returns the last consumed line number.</summary>
    private static int SkipToNextRecord(LineCursor lines)
    {
        int last = lines.Number;
        while (lines.Peek() is { } l)
        {
            if (TryCount(l, out int n) && (n == 0 || IsAtomLine(lines.PeekAt(2)))) break;
            lines.Next();
            last = lines.Number;
        }
        return last;
    }

    /// <summary>Reads the <c>key=value</c> tokens of a comment line; the whole line is kept under "comment".</summary>
    public static Dictionary<string, string> ParseComment(string comment)
    {
        var d = new Dictionary<string, string> { ["comment"] = comment.Trim() };
        foreach (var tok in comment.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = tok.IndexOf('=');
            if (eq > 0) d[tok[..eq]] = tok[(eq + 1)..];
        }
        return d;
    }

    /// <summary>Writes molecules to a multi-molecule XYZ file atomically (temporary file, then rename).</summary>
    public static void Write(string path, IEnumerable<Molecule> molecules)
    {
        AtomicFile.Write(path, stream =>
        {
            Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
            using (var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
            {
                foreach (var m in molecules) WriteOne(w, m);
            }
            if (!ReferenceEquals(s, stream)) s.Dispose();
        });
    }

    /// <summary>Writes one molecule in XYZ format.</summary>
    public static void WriteOne(TextWriter w, Molecule m)
    {
        w.Write(m.AtomCount.ToString(CultureInfo.InvariantCulture)); w.Write('\n');
        var comment = m.Properties.TryGetValue("comment", out var c) ? c
            : string.Join(' ', m.Properties.Select(kv => kv.Key + "=" + kv.Value));
        w.Write(comment.Replace('\n', ' ')); w.Write('\n');
        for (int i = 0; i < m.AtomCount; i++)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"{Element.Symbol(m.AtomicNumbers[i]),-2} {m.Positions[3 * i],12:F6} {m.Positions[3 * i + 1],12:F6} {m.Positions[3 * i + 2],12:F6}\n"));
        }
    }

    /// <summary>A line quoted in an error message, cut to 60 characters.</summary>
    internal static string Trunc(string s) => s.Length > 60 ? s[..60] + "..." : s;
}
