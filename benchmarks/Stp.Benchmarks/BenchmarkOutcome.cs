using BenchmarkDotNet.Reports;

namespace Stp.Benchmarks;

/// <summary>
/// The exit code of a BenchmarkDotNet run: 1 when any case has no result (BenchmarkDotNet's "NA": the generated
/// project did not build, the case threw, or its process failed) or a summary has a critical validation error, so a
/// broken benchmark cannot pass for a measured one; 0 otherwise (a run whose cases were all filtered out, e.g. the
/// CUDA cases on a machine without CUDA, measured nothing and failed nothing).
/// </summary>
public static class BenchmarkOutcome
{
    /// <summary>0 when every case of every summary has a result, else 1 (the failed cases are listed on <paramref name="log"/>).</summary>
    public static int ExitCode(IEnumerable<Summary> summaries, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(log);
        var failed = new List<string>();
        foreach (var summary in summaries)
        {
            foreach (var error in summary.ValidationErrors.Where(e => e.IsCritical))
                failed.Add($"{summary.Title}: {error.Message}");
            foreach (var report in summary.Reports.Where(r => !r.Success || r.ResultStatistics is null))
                failed.Add($"{report.BenchmarkCase.DisplayInfo}: no result ({Reason(report)})");
        }
        foreach (var line in failed) log.WriteLine($"stp-benchmarks: {line}");
        if (failed.Count > 0) log.WriteLine($"stp-benchmarks: {failed.Count} case(s) without a result (NA); exit code 1.");
        return failed.Count > 0 ? 1 : 0;
    }

    private static string Reason(BenchmarkReport report) =>
        !report.GenerateResult.IsGenerateSuccess ? "the benchmark project was not generated"
        : !report.BuildResult.IsBuildSuccess ? "the generated benchmark project did not build"
        : report.ExecuteResults.Count == 0 ? "it did not run"
        : report.ExecuteResults.Any(e => e.ExitCode is not 0) ? $"its process exited with {string.Join(", ", report.ExecuteResults.Select(e => e.ExitCode))}"
        : "no measurement (the case threw; see its log)";
}
