using System.CommandLine;
using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Metrics;
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
        var device = Common.NoTorchDeviceOption("compare");
        var cmd = new Command("compare", "Compare evaluated runs: one table (with 95% confidence intervals and bond-geometry JSDs) and per-size curves on one plot.")
        { runs, outDir, minCount, device };
        cmd.SetAction(r =>
        {
            var items = r.GetValue(runs)!.Select(Parse).ToList();
            if (items.Select(i => i.Label).Distinct().Count() != items.Count) throw new UsageException("--run: every label must be distinct.");
            if (r.GetValue(minCount) < 1) throw new UsageException("--min-molecules must be at least 1.");
            var loaded = items.Select(i => (i.Label, i.Folder, Report: MetricSummary.Read(Path.Combine(i.Folder, EvaluateCommand.SummaryName)).ToReport(),
                Structure: ReadStructure(Path.Combine(i.Folder, "structure.csv")))).ToList();
            var folder = r.GetValue(outDir)!;
            Directory.CreateDirectory(folder);
            var md = Table(loaded.Select(l => (l.Label, l.Report, l.Structure)).ToList());
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
            Console.WriteLine($"Wrote comparison.md and per_size_*.png to {folder}");
            return 0;
        });
        return cmd;
    }

    private static (string Label, string Folder) Parse(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1) throw new UsageException($"--run must be label=folder; got '{spec}'.");
        var folder = spec[(eq + 1)..];
        if (!File.Exists(Path.Combine(folder, EvaluateCommand.SummaryName)))
            throw new UsageException($"--run {spec}: {folder} holds no {EvaluateCommand.SummaryName} (run 'stp evaluate ... --out {folder}' first).");
        return (spec[..eq], folder);
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
        static string J(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "";
        var sb = new StringBuilder();
        sb.AppendLine("| run | molecules | Atom Sta (%) | Mol Sta (%) [95% CI] | Valid (%) [95% CI] | Valid & Unique (%) | Single fragment (%) | bond-length JSD | bond-angle JSD |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (label, report, structure) in runs)
        {
            var o = report.Overall;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {o.Molecules} | {Pct(o.AtomStability)} | {Pct(o.MoleculeStability)}{Ci(o.StableMolecules, o.Molecules)} | {Pct(o.Validity)}{Ci(o.Valid, o.Molecules)} | {Pct(o.ValidAndUnique)} | {Pct(o.SingleFragment)} | {J(structure?.Bond)} | {J(structure?.Angle)} |");
        }
        return sb.ToString();
    }
}
