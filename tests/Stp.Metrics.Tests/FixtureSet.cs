using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Metrics.Tests;

/// <summary>One metric oracle set (metrics_qm9.* or metrics_geom.*) loaded once per test run.</summary>
internal sealed class FixtureSet
{
    public required string Name { get; init; }
    public required List<Molecule> Molecules { get; init; }
    public required List<(string Id, int NAtoms, int NStable, bool MolStable, bool Valid, string Smiles)> Rows { get; init; }
    public required Dictionary<string, string> Kinds { get; init; }
    public required string SummaryPath { get; init; }

    private static readonly Dictionary<string, FixtureSet> Cache = new();
    private EvaluationResult? _result;

    /// <summary>The set evaluated once with the dataset's default evaluator (shared by the read-only tests).</summary>
    public EvaluationResult Result
    {
        get
        {
            lock (this) return _result ??= Evaluator.Evaluate(Molecules);
        }
    }

    public MetricsEvaluator Evaluator => Name == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();

    public static FixtureSet Load(string set)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(set, out var s)) return s;
            var xyz = SharedData.Fixture($"metrics_{set}.xyz");
            var csv = SharedData.Fixture($"metrics_{set}.csv");
            var manifest = SharedData.Fixture($"metrics_{set}_manifest.csv");
            var summary = SharedData.Fixture($"metrics_{set}_summary.json");
            var rows = File.ReadAllLines(csv).Skip(1).Select(l =>
            {
                var p = l.Split(',');
                return (p[0], int.Parse(p[1]), int.Parse(p[2]), p[3] == "1", p[4] == "1", p[5]);
            }).ToList();
            var kinds = File.ReadAllLines(manifest).Skip(1).Select(l => l.Split(',')).ToDictionary(p => p[0], p => p[1]);
            s = new FixtureSet
            {
                Name = set, Molecules = XyzFile.Read(xyz).ToList(), Rows = rows, Kinds = kinds, SummaryPath = summary,
            };
            Cache[set] = s;
            return s;
        }
    }
}
