using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics;
using Stp.Models;
using Stp.Sampling;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>What one training run of <c>stp train</c> needs besides its trainer (one per RADM stage).</summary>
/// <param name="ResumedLearningRate">The learning rate of the checkpoint the trainer resumed from; null for a new run.</param>
/// <param name="Request">The options and command line of the session, for the manifest (default: none recorded but the trainer's).</param>
/// <param name="TensorBoard">Whether TensorBoard event files are written under tensorboard/ (metrics.jsonl always is).</param>
internal sealed record TrainingLoopOptions(string Folder, string CheckpointPath, IReadOnlyDictionary<string, string> Metadata,
    long? MaxSteps, TimeSpan? TimeBudget, int CheckpointEvery, int EvalEvery, int EvalSamples, string Dataset, Device Device,
    double? ResumedLearningRate = null, RunRequest? Request = null, bool TensorBoard = true);

/// <summary>
/// The training loop of <c>stp train</c>: steps until the step target or the time budget, appends every step to
/// <c>train_log.csv</c> and <c>metrics.jsonl</c> (and TensorBoard's event files) in the run folder, checkpoints every
/// <see cref="TrainingLoopOptions.CheckpointEvery"/> steps and at the end, and samples and scores the EMA model every
/// <see cref="TrainingLoopOptions.EvalEvery"/> steps into <c>eval_log.csv</c> and <c>metrics.jsonl</c>. The run's
/// <c>manifest.json</c> (<see cref="RunManifest"/>) is written when the session starts and updated when it ends.
/// Ctrl+C or SIGTERM (the cancellation token) stops after the current step, or within a sampling step of an
/// evaluation, and saves. A failed step (divergence, a native error) saves nothing: the last checkpoint is the last
/// good state, the steps since are written to <c>unsaved_steps.csv</c>, and the error says how to go on. Starts,
/// resumes, changed options and how the session ended go to <c>run.log</c>. Progress (steps, rate, ETA, loss; the
/// sampling steps of an evaluation) is a <see cref="ProgressLine"/>.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>EDM's learning rate, the default of a new run (a resumed run keeps its checkpoint's unless --lr is given).</summary>
    public const double DefaultLearningRate = 1e-4;

    public static int Run(DiffusionTrainer trainer, TrainingLoopOptions o, CancellationToken ct)
    {
        var model = trainer.Model;
        double lr = trainer.Options.LearningRate;
        long? savedStep = o.ResumedLearningRate is null ? null : trainer.Step;
        Directory.CreateDirectory(o.Folder);
        var log = Path.Combine(o.Folder, RunFolder.TrainLog);
        if (!File.Exists(log)) File.WriteAllText(log, "step,epoch,loss,grad_norm,clipped,step_seconds\n");
        var evalLog = Path.Combine(o.Folder, RunFolder.EvalLog);
        if (o.EvalEvery > 0 && !File.Exists(evalLog)) File.WriteAllText(evalLog, "step,molecules,atom_stability,molecule_stability,validity,valid_unique,single_fragment\n");
        var request = o.Request ?? new RunRequest(new JsonObject(), []);
        var manifest = RunManifest.Begin(o.Folder, request, Describe(trainer, o), o.Device.ToString(), get_num_threads(), trainer.Step, resumed: o.ResumedLearningRate is not null);
        long startStepAtBegin = trainer.Step;
        // A second Ctrl+C / SIGTERM ends the process at once: the manifest then says so, at the last checkpointed step.
        using var hardExit = Interrupts.BeforeHardExit(() => manifest.Killed(savedStep ?? startStepAtBegin));
        var metrics = new RunMetrics(o.Folder, o.TensorBoard);
        LogStart();
        var evaluator = o.Dataset == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        long startStep = trainer.Step;
        using var progress = new ProgressLine("training", o.MaxSteps, "steps", startStep, o.MaxSteps is null ? o.TimeBudget : null);
        var sw = Stopwatch.StartNew();
        double avg = double.NaN;
        string status = "";
        var logLines = new List<string>();
        using var announce = ct.Register(() => progress.WriteLine("Stopping after this step; saving a checkpoint ..."));
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (o.MaxSteps is long ms && trainer.Step >= ms) break;
                if (o.TimeBudget is TimeSpan tb && sw.Elapsed >= tb) break;
                double stepRate = trainer.CurrentLearningRate;
                TrainingProgress p;
                try { p = trainer.TrainStep(); }
                catch (Exception e) { throw Failed(e); }
                avg = double.IsNaN(avg) ? p.Loss : 0.98 * avg + 0.02 * p.Loss;
                logLines.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Step},{p.Epoch},{p.Loss:G6},{p.GradNorm:G6},{(p.Clipped ? 1 : 0)},{p.StepSeconds:F4}"));
                metrics.Step(p, stepRate, (trainer.Step - startStep) / sw.Elapsed.TotalSeconds);
                status = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}, loss {p.Loss:F4} (avg {avg:F4})");
                progress.Report(trainer.Step, status);
                if (trainer.Step % o.CheckpointEvery == 0) Save();
                if (o.EvalEvery > 0 && trainer.Step % o.EvalEvery == 0) Evaluate();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Interrupted during an evaluation: the weights are those of the last finished step; save them below.
        }
        Save();
        progress.Done();
        bool interrupted = ct.IsCancellationRequested;
        RunFolder.Log(o.Folder, trainer.Step, interrupted ? "interrupted; checkpoint saved" : "finished; checkpoint saved");
        manifest.End(interrupted ? "interrupted" : "finished", trainer.Step);
        Console.WriteLine($"Saved {o.CheckpointPath} at step {trainer.Step} ({sw.Elapsed.TotalMinutes:F1} min this session){(interrupted ? "; interrupted, resume with --resume" : "")}.");
        return CliApp.ExitOk;

        void Save()
        {
            try { trainer.SaveCheckpoint(o.CheckpointPath, o.Metadata); }
            catch (InvalidOperationException e) { throw Failed(e, saving: true); }
            File.AppendAllLines(log, logLines);
            logLines.Clear();
            metrics.Flush();
            savedStep = trainer.Step;
        }

        void Evaluate()
        {
            var sizes = model.SizeDistribution!.Sample(o.EvalSamples, seed: trainer.Step);
            IReadOnlyList<Molecule> mols;
            long step = trainer.Step;
            var sampler = new DiffusionSampler(model)
            {
                StepProgress = new SyncProgress<SamplingProgress>(s => progress.Report(step, $"evaluating step {step}: sampling step {s.StepsDone}/{s.StepsTotal}")),
            };
            try
            {
                using (trainer.UseEmaWeights())
                    mols = sampler.Sample(SamplingPlan.Efficient(sizes, 100, contexts: Conditioning.Contexts(model, sizes, null, step)),
                        seed: step, device: o.Device, cancellationToken: ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An evaluation is a diagnostic: a model that cannot be sampled yet (say, non-finite molecules early on) does not stop training.
                progress.Report(step, status);
                progress.WriteLine($"[eval step {step}] failed, training goes on: {e.Message.Split('\n')[0]}");
                return;
            }
            progress.Report(step, status);
            var res = evaluator.Evaluate(mols);
            double single = res.Molecules.Count(m => m.FragmentCount == 1) / (double)res.Molecules.Count;
            File.AppendAllText(evalLog, string.Create(CultureInfo.InvariantCulture,
                $"{step},{mols.Count},{res.AtomStability:F4},{res.MoleculeStability:F4},{res.Validity:F4},{res.ValidAndUnique:F4},{single:F4}\n"));
            metrics.Evaluation(step, mols.Count, res.AtomStability, res.MoleculeStability, res.Validity, res.ValidAndUnique, single, checkpointed: savedStep == step);
            progress.WriteLine($"[eval step {step}] {mols.Count} samples: atom stability {res.AtomStability:P1}, molecule stability {res.MoleculeStability:P1}, validity {res.Validity:P1}, single fragment {single:P1}");
        }

        void LogStart()
        {
            string how = o.ResumedLearningRate is double was
                ? was == lr ? $"resumed (lr {lr.ToString("G", CultureInfo.InvariantCulture)})"
                    : $"resumed; learning rate changed from {was.ToString("G", CultureInfo.InvariantCulture)} to {lr.ToString("G", CultureInfo.InvariantCulture)} (--lr)"
                : $"new run (lr {lr.ToString("G", CultureInfo.InvariantCulture)}, batch {trainer.Options.BatchSize}, seed {trainer.Options.Seed}, {Models.Summary(model)})";
            if (o.ResumedLearningRate is double before && before != lr) Console.WriteLine($"Learning rate changed on resume: {before:G} -> {lr:G} from step {trainer.Step + 1}.");
            RunFolder.Log(o.Folder, trainer.Step, how);
            var changed = request.Overrides?.Where(kv => kv.Key != "lr").Select(kv => $"--{kv.Key} {Show(kv.Value?["from"])} -> {Show(kv.Value?["to"])}").ToList();
            if (changed is { Count: > 0 }) RunFolder.Log(o.Folder, trainer.Step, "options changed on resume: " + string.Join(", ", changed));
            if (request.Note is not null) RunFolder.Log(o.Folder, trainer.Step, request.Note);
        }

        // A step (or a save) that failed leaves the checkpoint on disk as it was: the last good state.
        Exception Failed(Exception e, bool saving = false)
        {
            progress.Done();
            metrics.Discard();
            string unsaved = "";
            if (logLines.Count > 0)
            {
                var path = Path.Combine(o.Folder, RunFolder.UnsavedSteps);
                AtomicFile.WriteAllText(path, "step,epoch,loss,grad_norm,clipped,step_seconds\n" + string.Join("\n", logLines) + "\n");
                unsaved = logLines.Count == 1 ? $" The step since is in {path}." : $" The {logLines.Count} steps since are in {path}.";
            }
            string kept = savedStep is long k
                ? $"The last good checkpoint, step {k}, is kept: {o.CheckpointPath}.{unsaved}"
                : $"No checkpoint was saved yet.{unsaved}";
            string lower = Rate(lr / 10);
            string again = savedStep is null
                ? $"start again with a lower learning rate (--force --lr {lower}; now {Rate(lr)})"
                : $"rerun the command with --resume --lr {lower} (a lower learning rate; now {Rate(lr)})";
            string message = e switch
            {
                TrainingDivergedException d => $"Training diverged at step {d.Step}: {d.SkippedInSession} steps with a non-finite loss or gradient since the session started, more than --max-skipped-steps {d.Limit}. {kept} To go on, {again}, or allow more skipped steps with --max-skipped-steps.",
                _ when saving => $"Not saved at step {trainer.Step}: {e.Message.Split('\n')[0]} {kept} To go on, {again}.",
                _ => $"Training failed in step {trainer.Step + 1} ({e.GetType().Name}: {e.Message.Split('\n')[0]}). {kept}",
            };
            RunFolder.Log(o.Folder, trainer.Step, "stopped: " + message);
            manifest.End("failed", savedStep ?? startStep);
            return new InvalidOperationException(message, e);
        }
    }

    /// <summary>A value of a manifest's configuration as run.log shows it.</summary>
    private static string Show(JsonNode? v) => v is null ? "(none)" : v is JsonValue j && j.TryGetValue(out string? s) ? s : v.ToJsonString();

    /// <summary>
    /// The training hyper-parameters as the trainer and the model resolved them, for the manifest: the trainer's options
    /// (batch size, learning rate and its schedule, AdamW, EMA, gradient clipping, seed), the stop rule and the model's
    /// description (backbone and its sizes, codec, noise schedule, prior with its gamma_N table, objective).
    /// </summary>
    internal static JsonObject Describe(DiffusionTrainer trainer, TrainingLoopOptions o)
    {
        var t = trainer.Options;
        var model = trainer.Model;
        JsonNode? description;
        try
        {
            var d = JsonNode.Parse(ModelDescription.Of(model).ToJson(indented: false))!.AsObject();
            d.Remove("sizes");
            d.Remove("propertyDistribution");
            description = d;
        }
        catch (NotSupportedException e) { description = $"not describable: {e.Message}"; } // a component without a description (a test double)
        string schedule = t.LearningRateSchedule switch
        {
            null => "constant",
            CosineAnnealingSchedule c => string.Create(CultureInfo.InvariantCulture, $"cosine annealing over {c.Period} periods of {c.StepsPerUpdate} steps to {c.MinimumRate:G3}"),
            var other => other.GetType().Name,
        };
        var result = new JsonObject
        {
            ["dataset"] = o.Dataset,
            ["data"] = o.Metadata.TryGetValue("data", out var data) ? data : null,
            ["trainer"] = new JsonObject
            {
                ["batchSize"] = t.BatchSize, ["learningRate"] = t.LearningRate, ["learningRateSchedule"] = schedule, ["optimizer"] = t.AmsGrad ? "AdamW (AMSGrad)" : "AdamW",
                ["weightDecay"] = t.WeightDecay, ["emaDecay"] = t.EmaDecay,
                ["gradientClipping"] = t.ClipGradients ? "EDM adaptive: max norm 1.5 mean + 2 std of the last 50 norms" : "off",
                ["seed"] = t.Seed, ["maxSkippedSteps"] = t.MaxSkippedSteps, ["stepsPerEpoch"] = trainer.StepsPerEpoch,
            },
            ["stop"] = new JsonObject { ["maxSteps"] = o.MaxSteps, ["timeBudgetSeconds"] = o.TimeBudget?.TotalSeconds },
            ["checkpointEvery"] = o.CheckpointEvery, ["evalEvery"] = o.EvalEvery, ["evalSamples"] = o.EvalSamples,
            ["model"] = new JsonObject { ["summary"] = Models.Summary(model), ["parameters"] = Models.ParameterCount(model), ["description"] = description },
        };
        if (o.Metadata.TryGetValue("stage", out var stage)) result["stage"] = stage;
        if (o.Request is { Split.Count: > 0 } r) result["split"] = r.Split.DeepClone();
        return result;
    }

    /// <summary>A learning rate as one would type it: 2e-05 -> "2e-5", 0.0003 -> "0.0003".</summary>
    private static string Rate(double lr) => lr.ToString("G3", CultureInfo.InvariantCulture).Replace("E-0", "e-").Replace("E+0", "e").Replace('E', 'e');
}
