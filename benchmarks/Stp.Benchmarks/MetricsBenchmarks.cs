using BenchmarkDotNet.Attributes;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics;

namespace Stp.Benchmarks;

/// <summary>
/// Evaluation throughput of Stp.Metrics (stability + validity + canonical SMILES/uniqueness) on the metric oracle
/// fixtures in ../shared/fixtures: the 2,000 QM9 molecules repeated to 10,000, and the 500 GEOM-Drugs molecules
/// repeated to 1,000 (each copy rigidly translated, which changes nothing but the input bytes).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private List<Molecule> _qm9 = new();
    private List<Molecule> _geom = new();
    private readonly MetricsEvaluator _qm9Evaluator = MetricsEvaluator.ForQm9();
    private readonly MetricsEvaluator _geomEvaluator = MetricsEvaluator.ForGeomDrugs();

    internal static string FixturePath(string name)
    {
        var env = Environment.GetEnvironmentVariable("STP_SHARED");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (env is null && dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stp.sln"))) dir = dir.Parent;
        var shared = env ?? (dir?.Parent is null ? null : Path.Combine(dir.Parent.FullName, "shared"));
        var path = shared is null ? null : Path.Combine(shared, "fixtures", name);
        if (path is null || !File.Exists(path))
            throw new FileNotFoundException($"Benchmark input {name} not found (looked in ../shared/fixtures beside the repository; set STP_SHARED).");
        return path;
    }

    internal static List<Molecule> Repeat(IReadOnlyList<Molecule> source, int count)
    {
        var list = new List<Molecule>(count);
        for (int i = 0; i < count; i++)
        {
            var m = source[i % source.Count];
            double shift = i / source.Count;
            var pos = (double[])m.Positions.Clone();
            for (int k = 0; k < pos.Length; k += 3) pos[k] += shift;
            list.Add(new Molecule(m.AtomicNumbers, pos, m.Properties));
        }
        return list;
    }

    [GlobalSetup]
    public void Setup()
    {
        _qm9 = Repeat(XyzFile.Read(FixturePath("metrics_qm9.xyz")).ToList(), 10_000);
        _geom = Repeat(XyzFile.Read(FixturePath("metrics_geom.xyz")).ToList(), 1_000);
    }

    /// <summary>10,000 QM9-sized molecules (mean 19.5 atoms).</summary>
    [Benchmark]
    public double Qm9_10000_Molecules() => _qm9Evaluator.Evaluate(_qm9).Uniqueness;

    /// <summary>1,000 GEOM-Drugs-sized molecules (mean 49.9 atoms).</summary>
    [Benchmark]
    public double Geom_1000_Molecules() => _geomEvaluator.Evaluate(_geom).Uniqueness;
}
