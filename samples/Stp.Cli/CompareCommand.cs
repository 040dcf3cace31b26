using System.CommandLine;
using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Metrics;
using Stp.Metrics.Alignment;
using Stp.Metrics.Reports;

namespace Stp.Cli;

/// <summary>
/// <c>stp compare</c>: several evaluated runs side by side (e.g. the priors none / stp / normalize of one experiment):
/// a Markdown table with 95% Wilson intervals and the structure divergences, and per-size curves of every run on one plot.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Option<string[]>("--run") { Description = "label=folder, once per run; the folder holds summary.json from 'stp evaluate' (and structure.csv from --structure-data, if any)", Required = true, AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<string>("--out") { Description = "Output folder for comparison.md, per_size_mol_stability.png and per_size_validity.png", Required = true };
        var minCount = new Option<int>("--min-molecules") { Description = "Leave sizes with fewer molecules out of the per-size curves (default 5)", DefaultValueFactory = _ => 5 };
        var alignment = new Option<string[]>("--alignment") { Description = "label=folder holding alignment.csv from 'stp analyze' (the label of one --run): adds when each size's gamma_t and beta_t settle above --alignment-threshold, and the spread over sizes", AllowMultipleArgumentsPerToken = true };
        var threshold = new Option<double>("--alignment-threshold") { Description = "Alignment level for the settling steps of --alignment (default 0.9)", DefaultValueFactory = _ => 0.9 };
        var device = Common.NoTorchDeviceOption("compare");
        var cmd = new Command("compare", "Compare evaluated runs: one table (with 95% confidence intervals and bond-geometry JSDs) and per-size curves on one plot.")
        { runs, outDir, minCount, alignment, threshold, device };
        cmd.SetAction(r =>
        {
            var items = r.GetValue(runs)!.Select(Parse).ToList();
            if (items.Select(i => i.Label).Distinct().Count() != items.Count) throw new UsageException("--run: every label must be distinct.");
            if (r.GetValue(minCount) < 1) throw new UsageException("--min-molecules must be at least 1.");
            double level = r.GetValue(threshold);
            if (!(level > 0 && level <= 1)) throw new UsageException($"--alignment-threshold must be in (0, 1]; got {level.ToString(CultureInfo.InvariantCulture)}.");
            var curves = (r.GetValue(alignment) ?? Array.Empty<string>()).Select(spec => ParseAlignment(spec, items.Select(i => i.Label).ToList())).ToList();
            if (curves.Select(c => c.Label).Distinct().Count() != curves.Count) throw new UsageException("--alignment: every label may be given once.");
            var loaded = items.Select(i => (i.Label, i.Folder, Report: MetricSummary.Read(Path.Combine(i.Folder, EvaluateCommand.SummaryName)).ToReport(),
                Structure: ReadStructure(Path.Combine(i.Folder, "structure.csv")))).ToList();
            var folder = r.GetValue(outDir)!;
            Directory.CreateDirectory(folder);
            var md = Table(loaded.Select(l => (l.Label, l.Report, l.Structure)).ToList());
            if (curves.Count > 0) md += Environment.NewLine + AlignmentTable(curves.Select(c => (c.Label, c.Result.SettlingSteps(level), c.Result.MeanSpread(), c.Result.MeanSpread(beta: true))).ToList(), level);
            foreach (var (label, result) in curves)
            {
                var safe = string.Concat(label.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));
                result.WritePlot(Path.Combine(folder, $"alignment_gamma_{safe}.png"), $"{label}: shape alignment gamma_t");
                result.WritePlot(Path.Combine(folder, $"alignment_beta_{safe}.png"), $"{label}: type alignment beta_t", beta: true);
            }
            AtomicFile.WriteAllText(Path.Combine(folder, "comparison.md"), md);
            int min = r.GetValue(minCount);
            foreach (var (metric, name, pick) in new (string, string, Func<SizeReportRow, double>)[]
            {
                ("mol_stability", "molecule stability", x => x.MoleculeStability), ("validity", "validity", x => x.Validity),
                ("atom_stability", "atom stability", x => x.AtomStability), ("single_fragment", "single fragment", x => x.SingleFragment),
            })
            {
                var series = loaded.Select(l =>
                {
                    var rows = l.Report.Rows.Where(x => x.Molecules >= min).ToList();
                    return new PlotSeries(l.Label, rows.Select(x => (double)x.AtomCount).ToArray(), rows.Select(x => 100 * pick(x)).ToArray());
                }).ToList();
                PlotWriter.WriteLines(Path.Combine(folder, $"per_size_{metric}.png"), $"{name} by molecule size (sizes with >= {min} molecules)", "Number of atoms N", "%", series, yLimits: (-2, 102));
            }
            Console.Write(md);
            Console.WriteLine($"Wrote comparison.md and per_size_*.png{(curves.Count > 0 ? " and alignment_*.png" : "")} to {folder}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Splits an option's label=folder value.</summary>
    private static (string Label, string Folder) LabelAndFolder(string option, string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1) throw new UsageException($"{option} must be label=folder; got '{spec}'.");
        return (spec[..eq], spec[(eq + 1)..]);
    }

    private static (string Label, string Folder) Parse(string spec)
    {
        var (label, folder) = LabelAndFolder("--run", spec);
        if (!File.Exists(Path.Combine(folder, EvaluateCommand.SummaryName)))
            throw new UsageException($"--run {spec}: {folder} holds no {EvaluateCommand.SummaryName} (run 'stp evaluate ... --out {folder}' first).");
        return (label, folder);
    }

    private static (string Label, AlignmentResult Result) ParseAlignment(string spec, IReadOnlyList<string> labels)
    {
        var (label, folder) = LabelAndFolder("--alignment", spec);
        if (!labels.Contains(label)) throw new UsageException($"--alignment {spec}: '{label}' is not the label of a --run ({string.Join(", ", labels)}).");
        var file = Path.Combine(folder, "alignment.csv");
        if (!File.Exists(file)) throw new UsageException($"--alignment {spec}: no {file} (run 'stp analyze ... --out {folder}' first).");
        try { return (label, AlignmentResult.Read(file)); }
        catch (InvalidDataException e) { throw new UsageException($"--alignment: {e.Message}"); }
    }

    /// <summary>
    /// Per run and size, the reverse step from which gamma_t (beta_t) stays at or above the level down to t = 0, and
    /// the spread of those steps over the sizes (max - min): the smaller the spread, the more the sizes share one
    /// generative pattern.
    /// </summary>
    internal static string AlignmentTable(IReadOnlyList<(string Label, IReadOnlyList<AlignmentSettling> Rows, double GammaSpread, double BetaSpread)> runs, double level)
    {
        var sizes = runs.SelectMany(r => r.Rows.Select(x => x.AtomCount)).Distinct().Order().ToArray();
        static string S(int? step) => step?.ToString(CultureInfo.InvariantCulture) ?? "never";
        static string Spread(IEnumerable<int?> steps)
        {
            var list = steps.ToList();
            return list.Count > 1 && list.All(x => x is not null) ? (list.Max()!.Value - list.Min()!.Value).ToString(CultureInfo.InvariantCulture) : "";
        }
        var lvl = level.ToString("0.###", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Reverse step t from which the alignment stays >= {lvl} down to t = 0 (larger: the target settles earlier), per molecule size:");
        sb.AppendLine();
        sb.Append("| run | curve |");
        foreach (var n in sizes) sb.Append(CultureInfo.InvariantCulture, $" N={n} |");
        sb.AppendLine(" spread (max - min) | curves apart (mean over t of max - min over N) |");
        sb.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---|", sizes.Length))).AppendLine("---|---|");
        foreach (var (label, rows, gammaSpread, betaSpread) in runs)
        {
            foreach (var (curve, pick, apart) in new (string, Func<AlignmentSettling, int?>, double)[] { ("gamma_t", x => x.GammaStep, gammaSpread), ("beta_t", x => x.BetaStep, betaSpread) })
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {label} | {curve} |");
                foreach (var n in sizes)
                {
                    var row = rows.FirstOrDefault(x => x.AtomCount == n);
                    sb.Append(' ').Append(row is null ? "" : S(pick(row))).Append(" |");
                }
                sb.AppendLine(CultureInfo.InvariantCulture, $" {Spread(rows.Select(pick))} | {(double.IsNaN(apart) ? "" : apart.ToString("F3", CultureInfo.InvariantCulture))} |");
            }
        }
        return sb.ToString();
    }

    /// <summary>The pooled ("all") bond-length and bond-angle JSDs of a structure.csv, or null without one.</summary>
    private static (double? Bond, double? Angle)? ReadStructure(string path)
    {
        if (!File.Exists(path)) return null;
        double? Pooled(string family) => File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length == 5 && f[0] == family && f[1] == "all").Select(f => (double?)double.Parse(f[4], CultureInfo.InvariantCulture)).FirstOrDefault();
        return (Pooled("bond_length_pair"), Pooled("bond_angle"));
    }

    internal static string Table(IReadOnlyList<(string Label, SizeReport Report, (double? Bond, double? Angle)? Structure)> runs)
    {
        static string Pct(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture);
        static string Ci(int k, int n)
        {
            if (n == 0) return "";
            var (lo, hi) = BinomialInterval.Wilson(k, n);
            return $" [{Pct(lo)}, {Pct(hi)}]";
        }
        static int Count(double rate, int n) => (int)Math.Round(rate * n); // the rates are k / n
        static string J(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "";
        var sb = new StringBuilder();
        sb.AppendLine("| run | molecules | Atom Sta (%) | Mol Sta (%) [95% CI] | Valid (%) [95% CI] | Valid & Unique (%) [95% CI] | Single fragment (%) [95% CI] | bond-length JSD | bond-angle JSD |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (label, report, structure) in runs)
        {
            var o = report.Overall;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {o.Molecules} | {Pct(o.AtomStability)} | {Pct(o.MoleculeStability)}{Ci(o.StableMolecules, o.Molecules)} | {Pct(o.Validity)}{Ci(o.Valid, o.Molecules)} | {Pct(o.ValidAndUnique)}{Ci(Count(o.ValidAndUnique, o.Molecules), o.Molecules)} | {Pct(o.SingleFragment)}{Ci(Count(o.SingleFragment, o.Molecules), o.Molecules)} | {J(structure?.Bond)} | {J(structure?.Angle)} |");
        }
        return sb.ToString();
    }
}
