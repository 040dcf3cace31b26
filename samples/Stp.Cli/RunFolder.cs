using System.Globalization;

namespace Stp.Cli;

/// <summary>
/// The folder of one training run (for RADM, one per stage): its checkpoint, <c>manifest.json</c> (the run's resolved
/// configuration, software, machine and sessions: <see cref="RunManifest"/>), logs (<c>train_log.csv</c>,
/// <c>eval_log.csv</c>, <c>metrics.jsonl</c>, TensorBoard's <c>tensorboard/</c>) and <c>run.log</c>, the run's own
/// history (starts, resumes, changed options, how each session ended). <see cref="Claim"/> runs before any data is
/// loaded: a folder that already holds a run is refused unless the command resumes it (--resume) or replaces it
/// (--force, which moves the earlier files into a <c>replaced-&lt;time&gt;</c> folder beside them).
/// </summary>
internal static class RunFolder
{
    public const string Checkpoint = "checkpoint.safetensors", TrainLog = "train_log.csv", EvalLog = "eval_log.csv", RunLog = "run.log", UnsavedSteps = "unsaved_steps.csv";

    /// <summary>The files of a run; a folder holding any of them (or <see cref="RunMetrics.TensorBoardFolder"/>) holds a run.</summary>
    public static readonly string[] Files = { Checkpoint, "checkpoint.json", TrainLog, EvalLog, RunLog, UnsavedSteps, RunManifest.FileName, RunMetrics.JsonLines };

    /// <summary>
    /// Checks that <paramref name="folder"/> can take the run and whether it resumes: true when <paramref name="resume"/>
    /// and a checkpoint is there. A folder holding another run (or, with --resume, run files but no checkpoint) is a
    /// usage error unless <paramref name="force"/>, which moves those files aside.
    /// </summary>
    public static bool Claim(string folder, bool resume, bool force)
    {
        OptionChecks.OutputFolder("--out", folder, Files);
        if (resume && File.Exists(Path.Combine(folder, Checkpoint))) return true;
        var present = Files.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        if (Directory.Exists(Path.Combine(folder, RunMetrics.TensorBoardFolder))) present.Add(RunMetrics.TensorBoardFolder);
        if (present.Count == 0) return false;
        var list = string.Join(", ", present);
        if (!force)
            throw new UsageException(resume
                ? $"--resume: {folder} holds {list} but no {Checkpoint} to resume; give --force instead of --resume to start a new run there (the old files are moved aside)."
                : $"--out: {folder} already holds a run ({list}); give --resume to continue it, or --force to start a new run there (the old files are moved aside).");
        var aside = Path.Combine(folder, "replaced-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        for (int i = 2; Directory.Exists(aside); i++) aside = aside.Split('~')[0] + "~" + i;
        Directory.CreateDirectory(aside);
        foreach (var f in present)
        {
            if (f == RunMetrics.TensorBoardFolder) Directory.Move(Path.Combine(folder, f), Path.Combine(aside, f));
            else File.Move(Path.Combine(folder, f), Path.Combine(aside, f));
        }
        Console.WriteLine($"--force: moved the earlier run's {list} to {aside}");
        return false;
    }

    /// <summary>Appends one line to the run's history, <c>run.log</c>: UTC time, step, what happened.</summary>
    public static void Log(string folder, long step, string text)
    {
        Directory.CreateDirectory(folder);
        File.AppendAllText(Path.Combine(folder, RunLog),
            string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} step {step}: {text}\n"));
    }
}
