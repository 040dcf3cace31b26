using System.Globalization;
using System.Text;
using System.Text.Json;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Prior;

/// <summary>
/// gamma_N per atom count N (index 0..<see cref="MaxAtoms"/>), either computed from a dataset with paper eq. 12
/// (gamma_N = E_{x ∈ D_N}[s(x)] / Z, s from <see cref="MolecularScale"/>) or taken from a published table.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sizes with few or no molecules.</b> The paper leaves them open. Here, every size whose molecule count is at
/// least <see cref="PriorScaleOptions.MinMoleculesPerSize"/> uses its own mean scale. The other sizes in
/// [1, MaxAtoms] (rare and absent ones, including sizes below the smallest molecule) take a power law
/// s_N ≈ a·N^b fitted by least squares on log s_N against log N over the well-populated sizes, each size weighted by
/// its molecule count (b fixed when <see cref="PriorScaleOptions.FitExponent"/> is set; 1/3 is the compact-sphere
/// law). The fit is taken before normalisation, so it is the same curve for either Z. These entries are flagged in
/// <see cref="IsFitted"/>; <see cref="Counts"/> keeps the molecule count of every size.
/// </para>
/// <para>
/// A zero entry means "size absent" (published tables use it); <see cref="PriorScale"/> throws there, as it does
/// outside [1, MaxAtoms].
/// </para>
/// </remarks>
public sealed class PriorScaleTable : IPriorScaler
{
    private const string FormatName = "Stp.PriorScaleTable";
    private readonly double[] _gammas;
    private readonly int[] _counts;
    private readonly bool[] _fitted;

    /// <summary>A table from explicit values (index = N, entry 0 is ignored; zero marks an absent size).</summary>
    /// <param name="gammas">gamma_N for N = 0..MaxAtoms; finite and non-negative.</param>
    /// <param name="name">A description kept in saved files.</param>
    /// <exception cref="ArgumentException">Fewer than two entries, or a negative or non-finite value.</exception>
    public PriorScaleTable(IReadOnlyList<double> gammas, string name = "custom")
        : this(ToArray(gammas), null, null, name, null, null, null)
    {
    }

    private PriorScaleTable(double[] gammas, int[]? counts, bool[]? fitted, string name,
        double? normalizer, double? fitAmplitude, double? fitExponent)
    {
        if (gammas.Length < 2)
            throw new ArgumentException($"A prior scale table needs entries for N = 0 and at least N = 1; got {gammas.Length}.", nameof(gammas));
        for (int i = 0; i < gammas.Length; i++)
            if (!double.IsFinite(gammas[i]) || gammas[i] < 0)
                throw new ArgumentException($"gamma_{i} = {gammas[i].ToString(CultureInfo.InvariantCulture)} is not a finite non-negative number.", nameof(gammas));
        _gammas = gammas;
        _counts = counts ?? new int[gammas.Length];
        _fitted = fitted ?? new bool[gammas.Length];
        if (_counts.Length != gammas.Length || _fitted.Length != gammas.Length)
            throw new ArgumentException("Counts and fitted flags must have one entry per size.");
        Name = name;
        Normalizer = normalizer;
        FitAmplitude = fitAmplitude;
        FitExponent = fitExponent;
    }

    private static double[] ToArray(IReadOnlyList<double> gammas)
    {
        ArgumentNullException.ThrowIfNull(gammas);
        return [.. gammas];
    }

    /// <summary>The published StP table for QM9 (N = 0..29; zero for N &lt; 3; gamma_28 = gamma_29 = 1).</summary>
    public static PriorScaleTable PublishedQm9 { get; } =
        new([.. PublishedPriorScales.Qm9], null, null, "published StP QM9 table (sigma_n_lists.py)", null, null, null);

    /// <summary>The published StP table for GEOM-Drugs (N = 0..181; zero at sizes absent from the data; gamma_94 = 1).</summary>
    public static PriorScaleTable PublishedGeomDrugs { get; } =
        new([.. PublishedPriorScales.GeomDrugs], null, null, "published StP GEOM-Drugs table (sigma_n_lists.py)", null, null, null);

    /// <summary>A free-form description (dataset and options, or the source of a published table).</summary>
    public string Name { get; }

    /// <summary>Largest size in the table.</summary>
    public int MaxAtoms => _gammas.Length - 1;

    /// <summary>gamma_N for N = 0..MaxAtoms (zero = absent).</summary>
    public IReadOnlyList<double> Gammas => _gammas;

    /// <summary>Molecules of each size in the data the table was computed from (all zero for published tables).</summary>
    public IReadOnlyList<int> Counts => _counts;

    /// <summary>True for sizes whose value comes from the power-law fit rather than their own molecules.</summary>
    public IReadOnlyList<bool> IsFitted => _fitted;

    /// <summary>The normalisation factor Z in Angstrom (null for published tables).</summary>
    public double? Normalizer { get; }

    /// <summary>Amplitude a of the fit gamma_N ≈ a·N^b, already divided by Z (null when no fit was made).</summary>
    public double? FitAmplitude { get; }

    /// <summary>Exponent b of the fit gamma_N ≈ a·N^b (null when no fit was made).</summary>
    public double? FitExponent { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">N is outside [1, MaxAtoms] or the size is absent (zero entry).</exception>
    public double PriorScale(int atomCount)
    {
        if (atomCount < 1 || atomCount > MaxAtoms)
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount,
                $"No gamma_N for N = {atomCount}: the table '{Name}' covers N = 1..{MaxAtoms}.");
        double g = _gammas[atomCount];
        if (g == 0)
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount,
                $"No gamma_N for N = {atomCount}: the size is absent from the table '{Name}' (zero entry).");
        return g;
    }

    /// <summary>Computes gamma_N from a dataset (paper eq. 11 and 12); the hulls are computed in parallel.</summary>
    /// <param name="molecules">The training molecules.</param>
    /// <param name="options">Normalisation and small-size rule; null uses the defaults.</param>
    /// <param name="name">Description kept in the table.</param>
    /// <exception cref="ArgumentException">No molecules, or invalid options.</exception>
    public static PriorScaleTable FromMolecules(IReadOnlyList<Molecule> molecules, PriorScaleOptions? options = null, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(molecules);
        options ??= new PriorScaleOptions();
        var scales = MolecularScale.ComputeAll(molecules, options.RelativeHullTolerance, options.DegenerateHull);
        var pairs = new (int, double)[molecules.Count];
        for (int i = 0; i < pairs.Length; i++) pairs[i] = (molecules[i].AtomCount, scales[i]);
        return FromScales(pairs, options, name);
    }

    /// <summary>Computes gamma_N from precomputed per-molecule scales s(x) (paper eq. 12).</summary>
    /// <param name="scales">(atom count, scale) per molecule.</param>
    /// <param name="options">Normalisation and small-size rule; null uses the defaults.</param>
    /// <param name="name">Description kept in the table.</param>
    /// <exception cref="ArgumentException">No usable molecules, a negative or non-finite scale, or invalid options.</exception>
    public static PriorScaleTable FromScales(IEnumerable<(int AtomCount, double Scale)> scales, PriorScaleOptions? options = null, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(scales);
        options ??= new PriorScaleOptions();
        if (options.MinMoleculesPerSize < 1)
            throw new ArgumentException($"MinMoleculesPerSize must be at least 1, got {options.MinMoleculesPerSize}.", nameof(options));
        if (options.MaxAtoms is < 1)
            throw new ArgumentException($"MaxAtoms must be at least 1, got {options.MaxAtoms}.", nameof(options));
        if (options.FitExponent is { } fe && !double.IsFinite(fe))
            throw new ArgumentException("FitExponent must be finite.", nameof(options));

        var list = scales.ToList();
        foreach (var (n, s) in list)
        {
            if (n < 1) throw new ArgumentException($"A molecule with {n} atoms is not valid.", nameof(scales));
            if (!double.IsFinite(s) || s < 0) throw new ArgumentException($"Scale {s} for a molecule with {n} atoms is not a finite non-negative number.", nameof(scales));
        }
        int max = options.MaxAtoms ?? (list.Count == 0 ? 0 : list.Max(x => x.AtomCount));
        if (max < 1) throw new ArgumentException("No molecules to compute gamma_N from.", nameof(scales));

        var counts = new int[max + 1];
        var sums = new double[max + 1];
        double total = 0; int used = 0;
        foreach (var (n, s) in list)
        {
            if (n > max) continue;
            counts[n]++; sums[n] += s; total += s; used++;
        }
        if (used == 0) throw new ArgumentException($"No molecules with at most {max} atoms.", nameof(scales));

        // Power-law fit over the well-populated sizes (fall back to every populated size if none qualifies).
        int min = options.MinMoleculesPerSize;
        bool anyQualified = Enumerable.Range(1, max).Any(n => counts[n] >= min && sums[n] > 0);
        bool Usable(int n) => sums[n] > 0 && (anyQualified ? counts[n] >= min : counts[n] > 0);
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        int distinct = 0;
        for (int n = 1; n <= max; n++)
        {
            if (!Usable(n)) continue;
            double w = counts[n], x = Math.Log(n), y = Math.Log(sums[n] / counts[n]);
            sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
            distinct++;
        }
        double b, logA;
        if (sw == 0) { b = options.FitExponent ?? 1.0 / 3; logA = double.NaN; }
        else
        {
            double mx = sx / sw, my = sy / sw, vxx = sxx / sw - mx * mx;
            b = options.FitExponent ?? (distinct >= 2 && vxx > 1e-12 ? (sxy / sw - mx * my) / vxx : 1.0 / 3);
            logA = my - b * mx;
        }

        var meanScale = new double[max + 1];
        var fitted = new bool[max + 1];
        bool anyFitted = false;
        for (int n = 1; n <= max; n++)
        {
            if (counts[n] >= min || double.IsNaN(logA)) meanScale[n] = counts[n] > 0 ? sums[n] / counts[n] : 0;
            else { meanScale[n] = Math.Exp(logA + b * Math.Log(n)); fitted[n] = true; anyFitted = true; }
        }

        double z;
        if (options.Normalization == PriorNormalization.DatasetMean) z = total / used;
        else if (options.Normalization == PriorNormalization.ReferenceSize)
        {
            int r = options.ReferenceAtomCount;
            if (r < 1 || r > max)
                throw new ArgumentException($"ReferenceAtomCount {r} is outside the table's sizes 1..{max}.", nameof(options));
            z = meanScale[r];
        }
        else throw new ArgumentException($"Unknown normalisation {options.Normalization}.", nameof(options));
        if (!(z > 0)) throw new ArgumentException("The normalisation factor Z is zero (all molecules are single atoms?).", nameof(options));

        var gammas = new double[max + 1];
        for (int n = 1; n <= max; n++) gammas[n] = meanScale[n] / z;
        bool hasFit = anyFitted && !double.IsNaN(logA);
        return new PriorScaleTable(gammas, counts, fitted, name, z,
            hasFit ? Math.Exp(logA) / z : null, hasFit ? b : null);
    }

    /// <summary>Saves the table as JSON, atomically (temporary file, then rename).</summary>
    /// <param name="path">Target file.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", 1);
            w.WriteString("name", Name);
            WriteNullable(w, "normalizer", Normalizer);
            WriteNullable(w, "fitAmplitude", FitAmplitude);
            WriteNullable(w, "fitExponent", FitExponent);
            w.WriteStartArray("gamma");
            foreach (var g in _gammas) w.WriteNumberValue(g);
            w.WriteEndArray();
            w.WriteStartArray("count");
            foreach (var c in _counts) w.WriteNumberValue(c);
            w.WriteEndArray();
            w.WriteStartArray("fitted");
            foreach (var f in _fitted) w.WriteBooleanValue(f);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteNullable(Utf8JsonWriter w, string key, double? value)
    {
        if (value is { } v) w.WriteNumber(key, v);
        else w.WriteNull(key);
    }

    /// <summary>Loads a table saved by <see cref="Save"/>. Only "gamma" is required; "count" and "fitted" are optional.</summary>
    /// <param name="path">The JSON file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or holds invalid values; the message names the file.</exception>
    public static PriorScaleTable Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Prior scale table not found: {path}", path);
        InvalidDataException Bad(string why) => new($"Prior scale table '{path}': {why}");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"Prior scale table '{path}': not valid JSON ({e.Message})", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("expected a JSON object.");
            if (root.TryGetProperty("format", out var fmt) && (fmt.ValueKind != JsonValueKind.String || fmt.GetString() != FormatName))
                throw Bad($"\"format\" must be \"{FormatName}\".");
            if (root.TryGetProperty("version", out var ver) && !(ver.ValueKind == JsonValueKind.Number && ver.TryGetInt32(out int v) && v == 1))
                throw Bad("unsupported \"version\" (expected 1).");
            string name = "loaded";
            if (root.TryGetProperty("name", out var nm))
                name = nm.ValueKind == JsonValueKind.String ? nm.GetString()! : throw Bad("\"name\" must be a string.");
            if (!root.TryGetProperty("gamma", out var ga) || ga.ValueKind != JsonValueKind.Array) throw Bad("missing array \"gamma\".");
            int len = ga.GetArrayLength();
            if (len < 2) throw Bad($"\"gamma\" needs entries for N = 0 and at least N = 1; it has {len}.");
            // Every element of an array, or the first bad one named as key[i] with its JSON text.
            T[] Elements<T>(JsonElement array, string key, string what, Func<JsonElement, T?> read) where T : struct
            {
                var values = new T[array.GetArrayLength()];
                int i = 0;
                foreach (var e in array.EnumerateArray())
                {
                    values[i] = read(e) ?? throw Bad($"{key}[{i}] = {e.GetRawText()} is not {what}.");
                    i++;
                }
                return values;
            }
            T[]? OptionalArray<T>(string key, string what, Func<JsonElement, T?> read) where T : struct
            {
                if (!root.TryGetProperty(key, out var a) || a.ValueKind == JsonValueKind.Null) return null;
                if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != len) throw Bad($"\"{key}\" must be an array of {len} entries.");
                return Elements(a, key, what, read);
            }
            var gammas = Elements(ga, "gamma", "a finite non-negative number",
                e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double g) && double.IsFinite(g) && g >= 0 ? g : (double?)null);
            var counts = OptionalArray("count", "a non-negative integer",
                e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int c) && c >= 0 ? c : (int?)null);
            var fitted = OptionalArray("fitted", "a boolean",
                e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : (bool?)null);
            double? Optional(string key, bool positive)
            {
                if (!root.TryGetProperty(key, out var e) || e.ValueKind == JsonValueKind.Null) return null;
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double x) || !double.IsFinite(x) || (positive && !(x > 0)))
                    throw Bad($"\"{key}\" = {e.GetRawText()} is not a valid number.");
                return x;
            }
            return new PriorScaleTable(gammas, counts, fitted, name,
                Optional("normalizer", true), Optional("fitAmplitude", true), Optional("fitExponent", false));
        }
    }

    /// <summary>One line per size: N, gamma_N, molecule count and whether it is fitted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Name} (N = 1..{MaxAtoms})");
        for (int n = 1; n <= MaxAtoms; n++)
            sb.Append(CultureInfo.InvariantCulture, $"\n{n,4} {_gammas[n],12:F9} {_counts[n],8}{(_fitted[n] ? " fitted" : "")}");
        return sb.ToString();
    }
}
